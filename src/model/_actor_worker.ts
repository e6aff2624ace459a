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
  readonly sharedParams: Float32Array;
  readonly sharedGradient: Float64Array;
  /** Private working copies (V8 computes faster on unshared typed arrays). */
  readonly params: Float32Array;
  readonly gradient: Float64Array;
  /** `[offset, end)` ranges of the actor's trainable tensors, copied into the shared gradient. */
  readonly actorRanges: readonly (readonly [number, number])[];
  readonly args: Float64Array;
  readonly stats: Float64Array;
  readonly error: Uint8Array;
  inputs?: {
    readonly shared: {
      readonly obs: Float32Array;
      readonly actions: Float32Array;
      readonly oldLogProbs: Float32Array;
      readonly advantages: Float32Array;
      readonly mask: Uint8Array;
    };
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
      sharedParams: new Float32Array(message.params),
      sharedGradient: new Float64Array(message.gradient),
      params: new Float32Array(layout.size),
      gradient: new Float64Array(layout.size),
      actorRanges: layout.tensors.filter((t) => t.group === "actor" && t.trainable).map((t) =>
        [t.offset, t.offset + t.size] as const
      ),
      args: new Float64Array(message.args),
      stats: new Float64Array(message.stats),
      error: new Uint8Array(message.error),
    };
    scope.postMessage("ready");
  } else {
    const shared = {
      obs: new Float32Array(message.obs),
      actions: new Float32Array(message.actions),
      oldLogProbs: new Float32Array(message.oldLogProbs),
      advantages: new Float32Array(message.advantages),
      mask: new Uint8Array(message.mask),
    };
    state!.inputs = {
      shared,
      obs: new Float32Array(shared.obs.length),
      actions: new Float32Array(shared.actions.length),
      oldLogProbs: new Float32Array(message.capacity),
      advantages: new Float32Array(message.capacity),
      mask: new Uint8Array(shared.mask.length),
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
  const hasMask = args[ARG.hasMask] === 1;
  s.params.set(s.sharedParams);
  const { shared } = inputs;
  inputs.obs.set(shared.obs.subarray(0, size * s.obsDim));
  inputs.actions.set(shared.actions.subarray(0, size * s.actionDim));
  inputs.oldLogProbs.set(shared.oldLogProbs.subarray(0, size));
  inputs.advantages.set(shared.advantages.subarray(0, size));
  if (hasMask) inputs.mask.set(shared.mask.subarray(0, size * s.maskWidth));
  const zeros = inputs.zeros.subarray(0, size);
  const minibatch: ReferenceMinibatch = {
    size,
    obs: inputs.obs.subarray(0, size * s.obsDim),
    actions: inputs.actions.subarray(0, size * s.actionDim),
    oldLogProbs: inputs.oldLogProbs.subarray(0, size),
    advantages: inputs.advantages.subarray(0, size),
    returns: zeros,
    oldValues: zeros,
    ...(hasMask ? { mask: inputs.mask.subarray(0, size * s.maskWidth) } : {}),
  };
  const parts = s.network.lossAndGradient(s.params, minibatch, {
    gradient: s.gradient,
    part: "actor",
    clipCoef: args[ARG.clipCoef]!,
    clipVloss: args[ARG.clipVloss] === 1,
    entCoef: args[ARG.entCoef]!,
    vfCoef: args[ARG.vfCoef]!,
    normAdv: args[ARG.normAdv] === 1,
    roundLogProbs: args[ARG.roundLogProbs] === 1,
  });
  for (const [offset, end] of s.actorRanges) {
    s.sharedGradient.set(s.gradient.subarray(offset, end), offset);
  }
  const stats = s.stats;
  stats[STAT.loss] = parts.loss;
  stats[STAT.policyLoss] = parts.policyLoss;
  stats[STAT.entropy] = parts.entropy;
  stats[STAT.oldApproxKl] = parts.oldApproxKl;
  stats[STAT.approxKl] = parts.approxKl;
  stats[STAT.clipfrac] = parts.clipfrac;
}
