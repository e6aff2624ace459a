import { glorotUniform } from "../core/glorot_uniform.ts";
import { orthogonalInit } from "../core/orthogonal_init.ts";
import { pytorchLinearInit } from "../core/pytorch_linear_init.ts";
import type { Rng } from "../core/rng.ts";
import type { DenseInfo, ParamLayout } from "./types.ts";

/** How {@linkcode initParams} draws the dense layers. */
export type Initializer = "orthogonal" | "glorot-uniform" | "pytorch-default";

/** The initialisers {@linkcode initParams} knows. */
export const INITIALIZERS: readonly Initializer[] = Object.freeze([
  "orthogonal",
  "glorot-uniform",
  "pytorch-default",
]);

/** Options of {@linkcode initParams}. */
export interface InitParamsOptions {
  /**
   * `"orthogonal"`: CleanRL's `layer_init`, orthogonal weights with each layer's gain and zero biases;
   * `"glorot-uniform"`: Keras' default, weights from `U(+-sqrt(6 / (fanIn + fanOut)))` and zero biases;
   * `"pytorch-default"`: `nn.Linear`'s own, weights and biases from `U(+-1 / sqrt(fanIn))`. The gains apply to
   * orthogonal initialisation only.
   * @default {"orthogonal"}
   */
  readonly init?: Initializer;
}

/**
 * Initialises a whole actor-critic, layer by layer: by default as CleanRL's `layer_init` (every dense weight
 * orthogonal with its layer's gain, sqrt(2) hidden, 0.01 policy head, 1 value head, and every bias 0), or as
 * Keras' or PyTorch's default layers do; the log-std starts at `initLogStd` whatever the scheme.
 *
 * Layers draw from `rng` in parameter order (a layer's weight, then its bias where it is drawn), so the same seed
 * and scheme give the same network.
 *
 * @param layout Where each tensor lives.
 * @param rng The seeded generator to draw from.
 * @param options The initialiser.
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
export function initParams(layout: ParamLayout, rng: Rng, options: InitParamsOptions = {}): Float32Array {
  const init = options.init ?? "orthogonal";
  if (!INITIALIZERS.includes(init)) {
    throw new RangeError(
      `Cannot initialise parameters as init must be "orthogonal", "glorot-uniform" or "pytorch-default": current value is ${init}`,
    );
  }
  const params = new Float32Array(layout.size);
  const layers: DenseInfo[] = [...layout.trunk, ...layout.actor, ...layout.critic]
    .sort((a, b) => a.weightOffset - b.weightOffset);
  for (const layer of layers) {
    const shape = [layer.outDim, layer.inDim] as const;
    if (init === "orthogonal") {
      params.set(orthogonalInit(shape, rng, { gain: layer.gain }), layer.weightOffset);
    } else if (init === "glorot-uniform") {
      params.set(glorotUniform(shape, rng), layer.weightOffset);
    } else {
      const { weight, bias } = pytorchLinearInit(shape, rng);
      params.set(weight, layer.weightOffset);
      params.set(bias, layer.biasOffset);
    }
  }
  const head = layout.config.head;
  if (head.kind === "gaussian") {
    params.fill(head.initLogStd, layout.logStdOffset, layout.logStdOffset + head.dim);
  }
  return params;
}
