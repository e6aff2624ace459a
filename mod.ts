/**
 * ppo-flow: Proximal Policy Optimization for Deno, as an RxJS pipeline over batched gpu.js kernels.
 *
 * @module
 */
export { Rng, type RngState } from "./src/core/rng.ts";
export { Box } from "./src/envs/box.ts";
export { Discrete } from "./src/envs/discrete.ts";
export type * from "./src/envs/types.ts";
export { BufferedEnv, type StepOutput } from "./src/envs/buffered_env.ts";
export { TimeLimit } from "./src/envs/time_limit.ts";
export { make, type MakeOptions } from "./src/envs/make.ts";
export { type EnvFactory, register } from "./src/envs/register.ts";
export {
  type ActionOf,
  type DefinedStep,
  defineEnv,
  type EnvDefinition,
  type EnvDefinitionOptions,
} from "./src/envs/define_env.ts";
export { type EpisodeRecord, VecEnv, type VecEnvOptions, type VecStepResult } from "./src/envs/vec_env.ts";
export { CartPole } from "./src/envs/cart_pole.ts";
export { Acrobot } from "./src/envs/acrobot.ts";
export { MountainCar } from "./src/envs/mountain_car.ts";
export { MountainCarContinuous } from "./src/envs/mountain_car_continuous.ts";
export { Pendulum } from "./src/envs/pendulum.ts";
export type * from "./src/model/types.ts";
export { paramLayout } from "./src/model/param_layout.ts";
