import { take } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import { episodeRollout } from "../operators/episode_rollout.ts";
import { minibatches } from "../operators/minibatches.ts";
import { ppoUpdate } from "../operators/ppo_update.ts";
import { rewardsToGoAdvantage } from "../operators/rewards_to_go_advantage.ts";
import type { UpdateResult } from "../operators/types.ts";
import type { IterationContext } from "../train/ppo_iteration.ts";
import { type Recipe, recordRecipe } from "./recipe.ts";

/** Options of {@linkcode pytorchPendulum}: the tutorial's bug, off by default. */
export interface PytorchPendulumOptions {
  /**
   * End the rewards-to-go at a time-limit cut as at a terminal state, as the tutorial does (the old Gym API's
   * `done` merges the two), instead of continuing from the critic's value of the final observation.
   * @default {false}
   */
  readonly truncationAsTermination?: boolean;
}

/**
 * The PyTorch "PPO from scratch" tutorial (`002` of the seeds, part 2 of its series) for continuous actions, on
 * Pendulum-v1: batches of whole episodes until 4800 steps, rewards-to-go, a Gaussian with a fixed covariance.
 *
 * Reproduced exactly: the batch (whole episodes of one env until at least 4800 steps: 24 Pendulum episodes), the
 * rewards-to-go with gamma 0.95, advantages `G - V` from the critic that collected the batch, normalised over the
 * batch; separate 64-64 ReLU networks with `nn.Linear`'s default initialisation; the diagonal Gaussian with
 * variance 0.5 on every action (log-std ln(sqrt(0.5)), fixed). From part 3 of the series (not in the stored
 * part 2): 5 full-batch updates per batch, Adam with learning rate 0.005 and PyTorch's eps 1e-8 for both
 * networks, clip 0.2, the critic's mean squared error to the rewards-to-go (`vfCoef` 2 undoes CleanRL's 1/2), no
 * entropy bonus, value clipping or gradient clipping.
 *
 * Deviations, and why:
 * - `learn(total_timesteps)` stops at `floor(totalTimesteps / 4800)` batches (the config's iteration count),
 *   the tutorial after the batch that passes the total; the tutorial's 1600-step episode cap is moot under
 *   Pendulum's 200-step limit.
 * - Actions are clipped to [-2, 2] when sent to the env; Pendulum clips the torque itself, so the dynamics are
 *   the same.
 * - Tutorial bug, fixed by default and reproduced by `truncationAsTermination`: every Pendulum episode ends by
 *   the time limit, and the tutorial values its last states as if the episode ended there.
 *
 * @param options The tutorial bug to reproduce.
 * @returns The recipe `pytorch-pendulum`.
 *
 * @example
 * ```ts ignore
 * const recipe = pytorchPendulum();
 * const run = await train(recipe.config, { usePreset: false, iteration: recipe.iteration });
 * ```
 */
export function pytorchPendulum(options: PytorchPendulumOptions = {}): Recipe {
  const truncationAsTermination = options.truncationAsTermination ?? false;
  const recipe = { name: "pytorch-pendulum", options: { truncationAsTermination } };
  return {
    ...recipe,
    summary:
      "PyTorch PPO on Pendulum-v1: whole episodes to 4800 steps, rewards-to-go, fixed-variance Gaussian",
    config: {
      envId: "Pendulum-v1",
      totalTimesteps: 500_000,
      numEnvs: 1,
      numSteps: 4800,
      numMinibatches: 1,
      updateEpochs: 5,
      learningRate: 0.005,
      annealLr: false,
      adamEps: 1e-8,
      gamma: 0.95,
      clipCoef: 0.2,
      clipVloss: false,
      entCoef: 0,
      vfCoef: 2,
      maxGradNorm: Infinity,
      normAdv: true,
      hidden: [64, 64],
      activation: "relu",
      sharedNetwork: false,
      init: "pytorch-default",
      logStd: "fixed",
      initLogStd: Math.log(Math.sqrt(0.5)),
      normalizeObservation: false,
      normalizeReward: false,
    },
    iteration(context: IterationContext): Observable<UpdateResult> {
      recordRecipe(recipe, context);
      const { collector, engine, config, shuffleRng } = context;
      return context.steps(Number.MAX_SAFE_INTEGER).pipe(
        episodeRollout({ minSteps: config.numSteps }),
        take(1),
        rewardsToGoAdvantage(engine, { gamma: config.gamma, bootstrap: !truncationAsTermination }),
        minibatches(shuffleRng, { numMinibatches: 1, updateEpochs: config.updateEpochs }),
        ppoUpdate(collector, config),
      );
    },
  };
}
