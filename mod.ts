/**
 * ppo-flow: Proximal Policy Optimization for Deno, as an RxJS pipeline over batched gpu.js kernels.
 *
 * @module
 */
export { Rng, type RngState } from "./src/core/rng.ts";
export { Box } from "./src/envs/box.ts";
export { Discrete } from "./src/envs/discrete.ts";
export type * from "./src/envs/types.ts";
export type * from "./src/model/types.ts";
export { paramLayout } from "./src/model/param_layout.ts";
