/**
 * `deno task train`: trains a PPO agent. The training pipeline is not wired yet; this says so and exits 0.
 *
 * @module
 */
console.log("ppo-flow: training is not available yet (the PPO pipeline lands with the training issue).");
