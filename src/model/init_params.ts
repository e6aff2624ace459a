import { orthogonalInit } from "../core/orthogonal_init.ts";
import type { Rng } from "../core/rng.ts";
import type { DenseInfo, ParamLayout } from "./types.ts";

/**
 * Initialises a whole actor-critic as CleanRL's `layer_init`: every dense weight orthogonal with its layer's
 * gain (sqrt(2) hidden, 0.01 policy head, 1 value head), every bias 0, and the log-std at `initLogStd`.
 *
 * Layers draw from `rng` in parameter order, so the same seed gives the same network.
 *
 * @param layout Where each tensor lives.
 * @param rng The seeded generator to draw from.
 * @returns `layout.size` parameters.
 *
 * @example
 * ```ts
 * import { initParams } from "./init_params.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import { Rng } from "../core/rng.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 3, head: { kind: "gaussian", dim: 1, logStd: "learned", initLogStd: -0.5 }, hidden: [8],
 *   activation: "tanh", shared: false,
 * });
 * const params = initParams(layout, new Rng(1));
 * assert.equal(params.length, layout.size);
 * assert.equal(params[layout.logStdOffset], -0.5);
 * ```
 */
export function initParams(layout: ParamLayout, rng: Rng): Float32Array {
  const params = new Float32Array(layout.size);
  const layers: DenseInfo[] = [...layout.trunk, ...layout.actor, ...layout.critic]
    .sort((a, b) => a.weightOffset - b.weightOffset);
  for (const layer of layers) {
    params.set(orthogonalInit([layer.outDim, layer.inDim], rng, { gain: layer.gain }), layer.weightOffset);
  }
  const head = layout.config.head;
  if (head.kind === "gaussian") {
    params.fill(head.initLogStd, layout.logStdOffset, layout.logStdOffset + head.dim);
  }
  return params;
}
