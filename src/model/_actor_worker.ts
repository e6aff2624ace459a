/**
 * The threaded engine's worker: computes the actor's part of each train step (forward, policy loss, backward)
 * into the shared gradient while the main thread computes the critic's.
 *
 * @module
 */
import { paramLayout } from "./param_layout.ts";
import { ReferenceActorCritic, type ReferenceMinibatch } from "./reference_actor_critic.ts";
import {
  ARG,
  COMMAND,
  DONE,
  ERROR_BYTES,
  FAILED,
  type InputsMessage,
  QUIT,
  RECEIVE,
  type SetupMessage,
  STAT,
  STATUS,
  TRAIN,
} from "./_threads.ts";

interface State {
  readonly network: ReferenceActorCritic;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly maskWidth: number;
  readonly control: Int32Array;
  readonly params: readonly [Float32Array, Float32Array];
  readonly gradient: Float64Array;
  readonly args: Float64Array;
  readonly stats: Float64Array;
  readonly error: Uint8Array;
  inputs?: {
    readonly obs: Float32Array;
    readonly actions: Float32Array;
    readonly oldLogProbs: Float32Array;
    readonly advantages: Float32Array;
    readonly mask: Uint8Array;
    readonly zeros: Float32Array;
  };
}

/** The worker's global scope, typed here since this module is also type-checked with the main program. */
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<SetupMessage | InputsMessage>) => void) | null;
  postMessage(message: unknown): void;
};

let state: State | undefined;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.kind === "setup") {
    const layout = paramLayout(message.config);
    const head = message.config.head;
    state = {
      network: new ReferenceActorCritic(layout),
      obsDim: message.config.obsDim,
      actionDim: head.kind === "categorical" ? 1 : head.dim,
      maskWidth: head.kind === "categorical" ? head.n : 0,
      control: new Int32Array(message.control),
      params: [new Float32Array(message.params[0]), new Float32Array(message.params[1])],
      gradient: new Float64Array(message.gradient),
      args: new Float64Array(message.args),
      stats: new Float64Array(message.stats),
      error: new Uint8Array(message.error),
    };
    scope.postMessage("ready");
  } else {
    state!.inputs = {
      obs: new Float32Array(message.obs),
      actions: new Float32Array(message.actions),
      oldLogProbs: new Float32Array(message.oldLogProbs),
      advantages: new Float32Array(message.advantages),
      mask: new Uint8Array(message.mask),
      zeros: new Float32Array(message.capacity),
    };
    answer(state!, DONE);
  }
  serve(state!);
};

/** Answers commands until one needs the event loop (a message to read) or says quit. */
function serve(s: State): void {
  const control = s.control;
  for (;;) {
    Atomics.wait(control, COMMAND, 0);
    const command = Atomics.exchange(control, COMMAND, 0);
    if (command === TRAIN) {
      try {
        train(s);
        answer(s, DONE);
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        s.error.fill(0);
        new TextEncoder().encodeInto(text.slice(0, ERROR_BYTES / 4), s.error);
        answer(s, FAILED);
      }
    } else if (command === RECEIVE || command === QUIT) {
      return;
    }
  }
}

function answer(s: State, status: number): void {
  Atomics.store(s.control, STATUS, status);
  Atomics.notify(s.control, STATUS);
}

function train(s: State): void {
  const { args, inputs } = s;
  if (inputs === undefined) throw new Error("the actor worker has no minibatch buffers");
  const size = args[ARG.size]!;
  const zeros = inputs.zeros.subarray(0, size);
  const minibatch: ReferenceMinibatch = {
    size,
    obs: inputs.obs.subarray(0, size * s.obsDim),
    actions: inputs.actions.subarray(0, size * s.actionDim),
    oldLogProbs: inputs.oldLogProbs.subarray(0, size),
    advantages: inputs.advantages.subarray(0, size),
    returns: zeros,
    oldValues: zeros,
    ...(args[ARG.hasMask] === 1 ? { mask: inputs.mask.subarray(0, size * s.maskWidth) } : {}),
  };
  const parts = s.network.lossAndGradient(s.params[args[ARG.paramsIndex]!]!, minibatch, {
    gradient: s.gradient,
    part: "actor",
    clipCoef: args[ARG.clipCoef]!,
    clipVloss: args[ARG.clipVloss] === 1,
    entCoef: args[ARG.entCoef]!,
    vfCoef: args[ARG.vfCoef]!,
    normAdv: args[ARG.normAdv] === 1,
    roundLogProbs: args[ARG.roundLogProbs] === 1,
  });
  const stats = s.stats;
  stats[STAT.loss] = parts.loss;
  stats[STAT.policyLoss] = parts.policyLoss;
  stats[STAT.entropy] = parts.entropy;
  stats[STAT.oldApproxKl] = parts.oldApproxKl;
  stats[STAT.approxKl] = parts.approxKl;
  stats[STAT.clipfrac] = parts.clipfrac;
}
