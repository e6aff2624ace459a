import type {
  ActInput,
  ActOutput,
  EvaluateOutput,
  MinibatchData,
  OptimizerState,
  ParamLayout,
  TrainStepOptions,
} from "./types.ts";

/** Refuses a non-finite value, naming the array and the index. Shared by every engine, so all refuse alike. */
export function checkFinite(array: ArrayLike<number>, action: string, name: string): void {
  for (let i = 0; i < array.length; i++) {
    if (!Number.isFinite(array[i]!)) {
      throw new RangeError(
        `Cannot ${action} as ${name} must be finite: current value at index ${i} is ${array[i]}`,
      );
    }
  }
}

/** The option checks of `trainStep`, shared by every engine so all refuse the same steps. */
export function checkTrainOptions(options: TrainStepOptions): void {
  const part = options.part;
  if (part !== undefined && part !== "both" && part !== "actor" && part !== "critic") {
    throw new TypeError(`Cannot train as part must be "both", "actor" or "critic": current value is ${part}`);
  }
  for (const name of ["learningRate", "clipCoef", "entCoef", "vfCoef", "criticLearningRate"] as const) {
    const value = options[name];
    const optional = name === "criticLearningRate";
    if ((!optional || value !== undefined) && !(Number.isFinite(value) && value! >= 0)) {
      throw new RangeError(`Cannot train as ${name} must be a finite number >= 0: current value is ${value}`);
    }
  }
  if (!(options.maxGradNorm > 0)) {
    throw new RangeError(
      `Cannot train as maxGradNorm must be positive: current value is ${options.maxGradNorm}`,
    );
  }
  const eps = options.adamEps;
  if (eps !== undefined && !(Number.isFinite(eps) && eps > 0)) {
    throw new RangeError(`Cannot train as adamEps must be a finite number > 0: current value is ${eps}`);
  }
}

/** Refuses an array of the wrong length, naming it. */
export function checkLength(array: ArrayLike<number>, length: number, action: string, name: string): void {
  if (array.length !== length) {
    throw new TypeError(
      `Cannot ${action} as ${name} must have length ${length}: current length is ${array.length}`,
    );
  }
}

/** Refuses a bad batch size or `[batch * obsDim]` observations of the wrong length or not finite. */
export function checkObs(layout: ParamLayout, obs: Float32Array, batch: number, action: string): void {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`Cannot ${action} as batch must be a positive integer: current value is ${batch}`);
  }
  checkLength(obs, batch * layout.config.obsDim, action, "obs");
  checkFinite(obs, action, "obs");
}

/** Refuses `[batch * actionDim]` actions of the wrong length or not finite. */
export function checkActions(
  layout: ParamLayout,
  actions: Float32Array,
  batch: number,
  action: string,
): void {
  const head = layout.config.head;
  checkLength(actions, batch * (head.kind === "categorical" ? 1 : head.dim), action, "actions");
  checkFinite(actions, action, "actions");
}

/** The checks of `act`: observations, output buffers and (unless greedy) the noise. */
export function checkAct(layout: ParamLayout, input: ActInput, out: ActOutput): void {
  const { obs, batch, noise, deterministic = false } = input;
  const head = layout.config.head;
  checkObs(layout, obs, batch, "act");
  const actionDim = head.kind === "categorical" ? 1 : head.dim;
  checkLength(out.actions, batch * actionDim, "act", "out.actions");
  checkLength(out.logProbs, batch, "act", "out.logProbs");
  checkLength(out.values, batch, "act", "out.values");
  if (!deterministic) {
    checkLength(noise, batch * actionDim, "act", "noise");
    checkFinite(noise, "act", "noise");
  }
}

/** The checks of `evaluate`: observations, actions and output buffers. */
export function checkEvaluate(
  layout: ParamLayout,
  obs: Float32Array,
  actions: Float32Array,
  batch: number,
  out: EvaluateOutput,
): void {
  checkObs(layout, obs, batch, "evaluate");
  checkActions(layout, actions, batch, "evaluate");
  checkLength(out.logProbs, batch, "evaluate", "out.logProbs");
  checkLength(out.entropy, batch, "evaluate", "out.entropy");
  checkLength(out.values, batch, "evaluate", "out.values");
}

/** The checks of `trainStep`'s minibatch: every array's length and finiteness, and the mask's head. */
export function checkMinibatch(layout: ParamLayout, minibatch: MinibatchData): void {
  const { size } = minibatch;
  checkObs(layout, minibatch.obs, size, "train");
  checkActions(layout, minibatch.actions, size, "train");
  for (const name of ["oldLogProbs", "advantages", "returns", "oldValues"] as const) {
    checkLength(minibatch[name], size, "train", `minibatch.${name}`);
    checkFinite(minibatch[name], "train", `minibatch.${name}`);
  }
  const head = layout.config.head;
  if (minibatch.mask !== undefined) {
    if (head.kind !== "categorical") {
      throw new TypeError(
        "Cannot train as an action mask needs a categorical head: current head is gaussian",
      );
    }
    checkLength(minibatch.mask, size * head.n, "train", "minibatch.mask");
  }
}

/** Refuses flat parameters of the wrong length or not finite. */
export function checkParams(layout: ParamLayout, params: Float32Array, action: string): void {
  checkLength(params, layout.size, action, "params");
  checkFinite(params, action, "params");
}

/** Refuses an optimizer state that does not fit the layout: lengths, finiteness, `v >= 0`, an integer step. */
export function checkOptimizerState(layout: ParamLayout, state: OptimizerState): void {
  const action = "set the optimizer state";
  checkLength(state.m, layout.size, action, "m");
  checkLength(state.v, layout.size, action, "v");
  checkFinite(state.m, action, "m");
  checkFinite(state.v, action, "v");
  const negative = state.v.findIndex((x) => x < 0);
  if (negative >= 0) {
    throw new RangeError(
      `Cannot ${action} as v must be non-negative: current value at index ${negative} is ${
        state.v[negative]
      }`,
    );
  }
  if (!Number.isInteger(state.step) || state.step < 0) {
    throw new RangeError(
      `Cannot ${action} as step must be a non-negative integer: current value is ${state.step}`,
    );
  }
  if (state.criticStep !== undefined && (!Number.isInteger(state.criticStep) || state.criticStep < 0)) {
    throw new RangeError(
      `Cannot ${action} as criticStep must be a non-negative integer: current value is ${state.criticStep}`,
    );
  }
}
