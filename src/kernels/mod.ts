/**
 * gpu.js backends: the names of the modes gpu.js can run kernels on (`cpu`, `webasm`, `webgpu`...), a probe
 * that says whether a mode works here (and whether a WebGPU adapter is a software one), and the choice of
 * mode for `backend: "auto"`.
 *
 * @example
 * ```ts ignore
 * import { probeBackend } from "@ppo-flow/ppo-flow/kernels";
 *
 * const probe = await probeBackend("webgpu");
 * console.log(probe.works, probe.software);
 * ```
 *
 * @module
 */
export { type BackendName, type BackendProbe, BACKENDS, chooseBackend, probeBackend } from "./backend.ts";
export type { Threads } from "./policy_plans.ts";
