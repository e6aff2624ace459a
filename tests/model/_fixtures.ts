/**
 * Networks and minibatches shared by the model tests.
 *
 * @module
 */
import { categoricalLogProb } from "../../src/core/categorical_log_prob.ts";
import { gaussianLogProb } from "../../src/core/gaussian_log_prob.ts";
import { Rng } from "../../src/core/rng.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { ParamArray, ReferenceActorCritic } from "../../src/model/reference_actor_critic.ts";
import type { ActorCriticConfig, MinibatchData, ParamLayout, PolicyEngine } from "../../src/model/types.ts";

/** The networks the brief names, plus a fixed log-std and a small shared gaussian. */
export const configs: Record<string, ActorCriticConfig> = {
  "4-64-64-2 tanh categorical": {
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [64, 64],
    activation: "tanh",
    shared: false,
  },
  "8-64-64-4 tanh categorical (masked)": {
    obsDim: 8,
    head: { kind: "categorical", n: 4 },
    hidden: [64, 64],
    activation: "tanh",
    shared: false,
  },
  "3-64-64-1 tanh gaussian, learned log-std": {
    obsDim: 3,
    head: { kind: "gaussian", dim: 1, logStd: "learned", initLogStd: 0 },
    hidden: [64, 64],
    activation: "tanh",
    shared: false,
  },
  "3-64-64-1 tanh gaussian, fixed log-std": {
    obsDim: 3,
    head: { kind: "gaussian", dim: 1, logStd: "fixed", initLogStd: -0.5 },
    hidden: [64, 64],
    activation: "tanh",
    shared: false,
  },
  "5-16-16-2 shared tanh gaussian": {
    obsDim: 5,
    head: { kind: "gaussian", dim: 2, logStd: "learned", initLogStd: 0 },
    hidden: [16, 16],
    activation: "tanh",
    shared: true,
  },
  "6-3 linear categorical (no hidden layer, masked)": {
    obsDim: 6,
    head: { kind: "categorical", n: 3 },
    hidden: [],
    activation: "relu",
    shared: false,
  },
  "8-1024-1024-4 shared relu categorical": {
    obsDim: 8,
    head: { kind: "categorical", n: 4 },
    hidden: [1024, 1024],
    activation: "relu",
    shared: true,
  },
};

/** Whether the fixture masks actions for this config (one masked action per row). */
export function usesMask(config: ActorCriticConfig): boolean {
  return config.head.kind === "categorical" && config.head.n > 2;
}

/**
 * Random parameters with layer-wise scale 1/sqrt(fanIn) (cheap for the 1024-wide net, unlike orthogonal
 * initialisation) and non-zero biases and log-std, so every parameter carries gradient.
 */
export function randomParams(layout: ParamLayout, seed: number): Float64Array {
  const rng = new Rng(seed);
  const params = new Float64Array(layout.size);
  for (const layer of [...layout.trunk, ...layout.actor, ...layout.critic]) {
    const scale = 1 / Math.sqrt(layer.inDim);
    for (let i = 0; i < layer.outDim * layer.inDim; i++) {
      params[layer.weightOffset + i] = rng.normal() * scale;
    }
    for (let i = 0; i < layer.outDim; i++) params[layer.biasOffset + i] = rng.normal() * 0.1;
  }
  const head = layout.config.head;
  if (head.kind === "gaussian") {
    for (let d = 0; d < head.dim; d++) {
      params[layout.logStdOffset + d] = head.initLogStd + rng.uniform(-0.3, 0.3);
    }
  }
  return params;
}

/** A minibatch whose actions, masks and old log-probs fit the network, with ratios away from the clip edges. */
export interface Fixture {
  readonly size: number;
  readonly obs: Float64Array;
  readonly actions: Float64Array;
  readonly oldLogProbs: Float64Array;
  readonly advantages: Float64Array;
  readonly returns: Float64Array;
  readonly oldValues: Float64Array;
  readonly mask?: Uint8Array;
}

/** Builds a minibatch of `size` rows around the network's current outputs. */
export function minibatchFor(
  network: ReferenceActorCritic,
  params: ParamArray,
  size: number,
  seed: number,
): Fixture {
  const rng = new Rng(seed);
  const { config } = network.layout;
  const head = config.head;
  const obs = Float64Array.from({ length: size * config.obsDim }, () => rng.normal());
  const { policy, values } = network.forward(params, obs, size);
  let actions: Float64Array;
  let current: Float64Array;
  let mask: Uint8Array | undefined;
  if (head.kind === "categorical") {
    const n = head.n;
    if (usesMask(config)) {
      mask = Uint8Array.from({ length: size * n }, (_, i) => (i % n === (i / n | 0) % n ? 0 : 1));
    }
    actions = Float64Array.from({ length: size }, (_, b) => (b + 1 + rng.integer(n - 1)) % n);
    if (mask !== undefined) actions.forEach((a, b) => mask![b * n + a] === 0 && (actions[b] = (a + 1) % n));
    current = categoricalLogProb(policy, actions, mask === undefined ? { n } : { n, mask });
  } else {
    actions = Float64Array.from({ length: size * head.dim }, (_, i) => policy[i]! + rng.normal());
    const logStd = params.subarray(network.layout.logStdOffset, network.layout.logStdOffset + head.dim);
    current = gaussianLogProb(policy, actions, { logStd });
  }
  const offset = (edges: number[], low: number, high: number) => {
    for (;;) {
      const x = rng.uniform(low, high);
      if (edges.every((e) => Math.abs(x - e) > 0.01)) return x;
    }
  };
  const fixture = {
    size,
    obs,
    actions,
    oldLogProbs: current.map((x) => x - offset([Math.log(0.8), Math.log(1.2)], -0.5, 0.5)),
    advantages: Float64Array.from({ length: size }, () => rng.normal()),
    returns: Float64Array.from({ length: size }, () => rng.normal()),
    oldValues: Float64Array.from(values, (v) => v - offset([-0.2, 0.2], -0.6, 0.6)),
  };
  return mask === undefined ? fixture : { ...fixture, mask };
}

/** Up to `perTensor` indices from every tensor of the layout, spread evenly. */
export function sampleIndices(layout: ParamLayout, perTensor: number): number[] {
  const indices: number[] = [];
  for (const tensor of layout.tensors) {
    const count = Math.min(perTensor, tensor.size);
    for (let k = 0; k < count; k++) indices.push(tensor.offset + Math.floor((k * tensor.size) / count));
  }
  return indices;
}

/** Builds the layout of a named fixture config. */
export function layoutOf(name: string): ParamLayout {
  return paramLayout(configs[name]!);
}

/** Random observations, noise (uniforms or normals) and, for more than two actions, a mask, for `size` rows. */
export function actInputs(layout: ParamLayout, rng: Rng, size: number) {
  const { obsDim, head } = layout.config;
  const actionDim = head.kind === "categorical" ? 1 : head.dim;
  const obs = Float32Array.from({ length: size * obsDim }, () => rng.normal());
  const noise = Float32Array.from(
    { length: size * actionDim },
    () => head.kind === "categorical" ? (rng.nextUint32() >>> 8) / 16777216 : rng.normal(),
  );
  const mask = head.kind === "categorical" && head.n > 2
    ? Uint8Array.from({ length: size * head.n }, (_, i) => (i % head.n === (i / head.n | 0) % head.n ? 0 : 1))
    : undefined;
  return { obs, noise, mask, actionDim };
}

/**
 * Acts with `engine` on random observations (masking one action per row for categorical heads of more than two
 * actions) and turns the rows into a minibatch with random advantages and returns, as the pipeline does.
 */
export function actedMinibatch(engine: PolicyEngine, rng: Rng, size: number): MinibatchData {
  const { obs, noise, mask, actionDim } = actInputs(engine.layout, rng, size);
  const out = {
    actions: new Float32Array(size * actionDim),
    logProbs: new Float32Array(size),
    values: new Float32Array(size),
  };
  const acted = engine.act(
    mask === undefined ? { obs, batch: size, noise } : { obs, batch: size, noise, mask },
    out,
  );
  if (acted !== undefined) throw new TypeError("actedMinibatch needs an engine that acts synchronously");
  return {
    size,
    obs,
    actions: out.actions,
    oldLogProbs: out.logProbs,
    advantages: Float32Array.from({ length: size }, () => rng.normal()),
    returns: Float32Array.from({ length: size }, () => rng.normal()),
    oldValues: out.values,
    ...(mask === undefined ? {} : { mask }),
  };
}

/** Max |a - e| / max(1, max |e|): an error relative to the larger of 1 and the expected values' scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new RangeError(`Cannot compare ${actual.length} values with ${expected.length}`);
  }
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / scale;
}
