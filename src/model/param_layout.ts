import type { ActorCriticConfig, DenseInfo, ParamGroup, ParamLayout, TensorInfo } from "./types.ts";

/**
 * Lays out an actor-critic's parameters in one flat vector with named tensors.
 *
 * Separate networks: `actor.{i}.weight|bias` (the last is the policy head), `critic.{i}.weight|bias` (the last
 * is the value head). Shared trunk: `trunk.{i}.weight|bias`, `policy.weight|bias`, `value.weight|bias`.
 * Gaussian heads add `logStd`. Weights are row-major `[out, in]`.
 *
 * @example
 * ```ts
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 4, head: { kind: "categorical", n: 2 }, hidden: [64, 64], activation: "tanh", shared: false,
 * });
 * assert.equal(layout.size, (4 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2) + (4 * 64 + 64 + 64 * 64 + 64 + 64 + 1));
 * ```
 */
export function paramLayout(config: ActorCriticConfig): ParamLayout {
  validateConfig(config);
  const tensors: TensorInfo[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], group: ParamGroup, trainable = true): number => {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, shape, offset, size, group, trainable });
    offset += size;
    return offset - size;
  };
  const dense = (
    prefix: string,
    inDim: number,
    outDim: number,
    group: ParamGroup,
    gain: number,
  ): DenseInfo => {
    const weightOffset = add(`${prefix}.weight`, [outDim, inDim], group);
    const biasOffset = add(`${prefix}.bias`, [outDim], group);
    return { inDim, outDim, weightOffset, biasOffset, gain };
  };
  const headDim = config.head.kind === "categorical" ? config.head.n : config.head.dim;
  const hiddenGain = Math.SQRT2;
  const trunk: DenseInfo[] = [];
  const actor: DenseInfo[] = [];
  const critic: DenseInfo[] = [];
  if (config.shared) {
    let inDim = config.obsDim;
    config.hidden.forEach((width, i) => {
      trunk.push(dense(`trunk.${i}`, inDim, width, "actor", hiddenGain));
      inDim = width;
    });
    actor.push(dense("policy", inDim, headDim, "actor", 0.01));
    critic.push(dense("value", inDim, 1, "critic", 1));
  } else {
    for (
      const [group, list, outDim, headGain] of [
        ["actor", actor, headDim, 0.01],
        ["critic", critic, 1, 1],
      ] as const
    ) {
      let inDim = config.obsDim;
      config.hidden.forEach((width, i) => {
        list.push(dense(`${group}.${i}`, inDim, width, group, hiddenGain));
        inDim = width;
      });
      list.push(dense(`${group}.${config.hidden.length}`, inDim, outDim, group, headGain));
    }
  }
  const logStdOffset = config.head.kind === "gaussian"
    ? add("logStd", [config.head.dim], "actor", config.head.logStd === "learned")
    : -1;
  return { config, tensors, size: offset, trunk, actor, critic, logStdOffset };
}

function validateConfig(config: ActorCriticConfig): void {
  if (!Number.isInteger(config.obsDim) || config.obsDim < 1) {
    throw new RangeError(
      `Cannot lay out network as obsDim must be a positive integer: current value is ${config.obsDim}`,
    );
  }
  if (config.hidden.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new RangeError(
      `Cannot lay out network as hidden sizes must be positive integers: current value is [${
        config.hidden.join(", ")
      }]`,
    );
  }
  if (config.shared && config.hidden.length === 0) {
    throw new RangeError(
      "Cannot lay out network as a shared trunk needs at least one hidden layer: current value is []",
    );
  }
  const dim = config.head.kind === "categorical" ? config.head.n : config.head.dim;
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(
      `Cannot lay out network as the action dimension must be a positive integer: current value is ${dim}`,
    );
  }
}
