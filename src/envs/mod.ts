/**
 * Gymnasium-style environments: the `Env` contract and its spaces, the registry behind `make`, `defineEnv`
 * for an environment written as two plain functions, the batched autoresetting `VecEnv`, the `TimeLimit`
 * wrapper, the `BufferedEnv` base class, and the built-in classic-control and LunarLander tasks.
 *
 * @example A CartPole without `make`, cut after two steps by its own time limit
 * ```ts
 * import { CartPole, TimeLimit } from "@ppo-flow/ppo-flow/envs";
 * import assert from "node:assert/strict";
 *
 * const env = new TimeLimit(new CartPole(), { id: "CartPole-v1", maxEpisodeSteps: 2, rewardThreshold: 475 });
 * env.reset({ seed: 0 });
 * assert.equal(env.step(0).truncated, false);
 * assert.equal(env.step(1).truncated, true);
 * ```
 *
 * @module
 */
export { Acrobot } from "./acrobot.ts";
export { Box } from "./box.ts";
export { BufferedEnv, type EnvState, type StepOutput } from "./buffered_env.ts";
export { CartPole, type CartPoleOptions } from "./cart_pole.ts";
export {
  type ActionOf,
  type DefinedStep,
  defineEnv,
  type EnvDefinition,
  type EnvDefinitionOptions,
} from "./define_env.ts";
export { Discrete } from "./discrete.ts";
export { LunarLander, type LunarLanderOptions, type LunarLanderScene } from "./lunar_lander.ts";
export { make, type MakeOptions } from "./make.ts";
export { MountainCar } from "./mountain_car.ts";
export { MountainCarContinuous } from "./mountain_car_continuous.ts";
export { Pendulum } from "./pendulum.ts";
export { type EnvFactory, register } from "./register.ts";
export { TimeLimit } from "./time_limit.ts";
export type * from "./types.ts";
export {
  type EpisodeRecord,
  VecEnv,
  type VecEnvOptions,
  type VecEnvState,
  type VecStepResult,
} from "./vec_env.ts";
