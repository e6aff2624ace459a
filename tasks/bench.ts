/**
 * `deno task bench`: prints throughput figures, one section per subsystem. Add a section by writing
 * `tasks/bench_<name>.ts` exporting an async function and calling it below.
 *
 * @module
 */
import { benchEnvs } from "./bench_envs.ts";
import { benchKernels } from "./bench_kernels.ts";
import { benchLunar } from "./bench_lunar.ts";
import { benchProducts } from "./bench_products.ts";

console.log("ppo-flow benchmarks\n");
await benchEnvs();
console.log();
await benchLunar();
console.log();
await benchKernels();
console.log();
await benchProducts();
