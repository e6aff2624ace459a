import { chooseEngine, type MachineFacts } from "../model/choose_engine.ts";
import { BROWSER_ENGINES, type EngineName, ENGINES } from "../model/engines.ts";
import type { ParamLayout, PolicyEngine } from "../model/types.ts";

/** An engine a page can run: one of the table's with a browser form ({@linkcode BROWSER_ENGINE_CHOICES}). */
export type BrowserEngineName = EngineName;

/** What {@linkcode createBrowserPolicy} takes: an engine, or `"auto"`. */
export type BrowserEngineChoice = "auto" | BrowserEngineName;

/** Every name {@linkcode createBrowserPolicy} accepts, `"auto"` first: derived from the engine table. */
export const BROWSER_ENGINE_CHOICES: readonly BrowserEngineChoice[] = ["auto", ...BROWSER_ENGINES];

/** Options of {@linkcode createBrowserPolicy}. */
export interface BrowserPolicyOptions {
  /**
   * `"wasm"` (WebAssembly SIMD, on the calling thread), `"reference"` (plain TypeScript), `"gpujs"` (gpu.js on
   * WebGPU: updates on the GPU, rollouts on the host), or `"auto"`: `chooseEngine`'s rule, as on Deno.
   * @default {"auto"}
   */
  readonly engine?: BrowserEngineChoice;
  /** Initial flat parameters (`layout.size` values). */
  readonly params: Float32Array;
  /** Facts about the machine for `"auto"`, probed when absent. @default {{}} */
  readonly facts?: MachineFacts;
}

/** An engine created for a page, with what runs and why. */
export interface BrowserPolicy {
  /** The engine; dispose it when done. */
  readonly policy: PolicyEngine;
  /** The engine that runs. */
  readonly engine: BrowserEngineName;
  /** Why this engine: `auto`'s reason, or `"asked for"`. */
  readonly reason: string;
}

/**
 * Creates an engine the way `createPolicy` does, for a browser (or any runtime that loads the bundle): the
 * engines whose extra threads would be Deno module workers loaded from `.ts` files run without them. The wasm
 * engine runs on the calling thread (threads `"off"`; a page trains in a Web Worker anyway), and where `auto`
 * would pick the threaded engine (4+ cores, no WebAssembly SIMD) the reference engine runs, with the same
 * numbers. gpu.js runs only on WebGPU here, where `auto` picks it for a hardware adapter.
 *
 * @param layout The network's parameter layout.
 * @param options Engine and initial parameters.
 * @returns The engine, its name and the reason.
 * @throws {RangeError} For an engine name outside {@linkcode BROWSER_ENGINE_CHOICES}.
 *
 * @example
 * ```ts
 * import { createBrowserPolicy } from "./browser_policy.ts";
 * import { paramLayout } from "../model/param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 4, head: { kind: "categorical", n: 2 }, hidden: [8], activation: "tanh", shared: false,
 * });
 * const noGpu = { backend: "webgpu" as const, works: false };
 * const { policy, engine } = await createBrowserPolicy(layout, {
 *   params: new Float32Array(layout.size),
 *   facts: { cores: 8, webgpu: noGpu, wasmSimd: false },
 * });
 * assert.equal(engine, "reference"); // Deno's auto would pick "threaded" here
 * await policy.dispose();
 * ```
 */
export async function createBrowserPolicy(
  layout: ParamLayout,
  options: BrowserPolicyOptions,
): Promise<BrowserPolicy> {
  const requested = options.engine ?? "auto";
  if (!BROWSER_ENGINE_CHOICES.includes(requested)) {
    throw new RangeError(
      `Cannot create a browser policy as engine must be one of ${
        BROWSER_ENGINE_CHOICES.join(", ")
      }: current value is ${JSON.stringify(requested)}`,
    );
  }
  let engine: BrowserEngineName = requested === "auto" ? "reference" : requested;
  let reason = "asked for";
  if (requested === "auto") {
    const chosen = await chooseEngine(layout, options.facts ?? {});
    reason = chosen.reason;
    if (ENGINES[chosen.engine].browser !== undefined) {
      engine = chosen.engine;
    } else {
      reason +=
        ` (the ${chosen.engine} engine's extra thread is a Deno module worker: the reference engine runs, same numbers)`;
    }
  }
  const policy = await ENGINES[engine].browser!(layout, options.params);
  return { policy, engine, reason };
}
