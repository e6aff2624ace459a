import { Rng } from "../core/rng.ts";
import type { PpoLossParts } from "../core/ppo_loss.ts";
import { checkParams } from "./_check_inputs.ts";
import { ReferencePolicyEngine } from "./_reference_engine.ts";
import {
  ARG,
  COMMAND,
  CONTROL_SIZE,
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
import { initParams } from "./init_params.ts";
import { type LossAndGradientOptions, ReferenceActorCritic } from "./reference_actor_critic.ts";
import type { ReferencePolicy } from "./reference_policy.ts";
import type { MinibatchData, ParamLayout } from "./types.ts";

/** Options of {@linkcode createThreadedPolicy}. */
export interface ThreadedPolicyOptions {
  /** Initial parameters (`layout.size` finite values, copied). @default {initParams(layout, rng)} */
  readonly params?: Float32Array;
  /** Generator for the initial parameters when `params` is absent. @default {new Rng(seed)} */
  readonly rng?: Rng;
  /** Seed for the initial parameters when neither `params` nor `rng` is given. @default {0} */
  readonly seed?: number;
  /** How long a train step waits for the worker before it gives up, in milliseconds. @default {60000} */
  readonly workerTimeoutMs?: number;
  /**
   * `"auto"`: every 500 train steps, time 4 on two threads and 4 on one and use the faster for the rest (the
   * second thread only pays when a core is free: on a 2-core machine shared with other busy processes, the
   * hand-over waits for the scheduler and one thread is as fast); `"on"`, `"off"`: forced. The numbers are the
   * same either way, so the choice never changes a run.
   * @default {"auto"}
   */
  readonly threads?: "auto" | "on" | "off";
}

/**
 * Creates the plain-TypeScript engine on two threads: each optimizer step computes the critic's forward and
 * backward pass on the calling thread while a worker computes the actor's, both into one shared gradient; then
 * the calling thread clips by the global norm and runs Adam, exactly as the reference engine does.
 *
 * Separate networks only meet in the loss's sum and the global gradient norm, so splitting there changes no
 * number: parameters after any sequence of train steps equal the reference engine's bit for bit. Acting,
 * values and evaluation run on the calling thread (a rollout batch is too small to split). A shared trunk
 * couples the two heads, so for it this returns the single-thread reference engine (engine `"reference"`).
 *
 * Parameters, the actor's gradient and the minibatch cross in `SharedArrayBuffer`s (each thread computes on
 * private copies, which V8 runs faster); the threads hand over with `Atomics`, so every method stays
 * synchronous. The worker is a module from this folder, which `--allow-read` of the
 * package covers. Dispose the engine to end the worker.
 *
 * @param layout The network's parameter layout (from `paramLayout`).
 * @param options Initial parameters, or the generator or seed to initialise them with.
 * @returns A synchronous engine named `"threaded"` (or `"reference"` for a shared trunk).
 *
 * @example
 * ```ts
 * import { createThreadedPolicy } from "./threaded_policy.ts";
 * import { paramLayout } from "./param_layout.ts";
 * import assert from "node:assert/strict";
 *
 * const layout = paramLayout({
 *   obsDim: 2, head: { kind: "categorical", n: 3 }, hidden: [8], activation: "tanh", shared: false,
 * });
 * const policy = await createThreadedPolicy(layout, { seed: 1 });
 * assert.equal(policy.engine, "threaded");
 * policy.dispose();
 * ```
 */
export async function createThreadedPolicy(
  layout: ParamLayout,
  options: ThreadedPolicyOptions = {},
): Promise<ReferencePolicy> {
  let initial: Float32Array;
  if (options.params !== undefined) {
    checkParams(layout, options.params, "create the threaded policy");
    initial = options.params;
  } else {
    initial = initParams(layout, options.rng ?? new Rng(options.seed ?? 0));
  }
  if (layout.config.shared) return new ReferencePolicyEngine(layout, initial.slice());
  const timeout = options.workerTimeoutMs ?? 60_000;
  if (!(timeout > 0)) {
    throw new RangeError(
      `Cannot create the threaded policy as workerTimeoutMs must be positive: current value is ${timeout}`,
    );
  }
  const threads = options.threads ?? "auto";
  if (!["auto", "on", "off"].includes(threads)) {
    throw new TypeError(
      `Cannot create the threaded policy as threads must be "auto", "on" or "off": current value is ${threads}`,
    );
  }
  const actor = await ActorThread.start(layout, timeout);
  const critic = new ReferenceActorCritic(layout);
  const schedule = new ThreadSchedule(threads);
  return new ReferencePolicyEngine(layout, {
    engine: "threaded",
    params: [initial.slice(), new Float32Array(layout.size)],
    gradient: new Float64Array(layout.size),
    lossAndGradient(params, minibatch, lossOptions) {
      const useThreads = schedule.next();
      const start = performance.now();
      if (!useThreads) {
        const parts = critic.lossAndGradient(params, minibatch, lossOptions);
        schedule.record(false, performance.now() - start);
        return parts;
      }
      actor.begin(params, minibatch, lossOptions);
      const criticParts = critic.lossAndGradient(params, minibatch, { ...lossOptions, part: "critic" });
      const actorParts = actor.finish(lossOptions.gradient);
      schedule.record(true, performance.now() - start);
      return {
        loss: actorParts.loss + criticParts.loss,
        policyLoss: actorParts.policyLoss,
        valueLoss: criticParts.valueLoss,
        entropy: actorParts.entropy,
        oldApproxKl: actorParts.oldApproxKl,
        approxKl: actorParts.approxKl,
        clipfrac: actorParts.clipfrac,
      };
    },
    dispose: () => actor.stop(),
  });
}

/**
 * Which train steps use the worker: all, none, or (auto) the faster way: in every window of 500 steps, the
 * first 4 run on two threads and the next 4 on one, and the smaller total time decides the rest (totals, not
 * best times: a preempted hand-over is what makes two threads lose on a busy machine). On a machine whose cores
 * are taken the trial costs at most 4 slower steps in 500.
 */
class ThreadSchedule {
  static readonly WINDOW = 500;
  static readonly TRIAL = 4;
  readonly #mode: "auto" | "on" | "off";
  #step = 0;
  #useThreads = true;
  readonly #total = new Float64Array(2);

  constructor(mode: "auto" | "on" | "off") {
    this.#mode = mode;
  }

  next(): boolean {
    if (this.#mode !== "auto") return this.#mode === "on";
    const { WINDOW, TRIAL } = ThreadSchedule;
    const phase = this.#step++ % WINDOW;
    if (phase === 0) this.#total.fill(0);
    if (phase < TRIAL) return true;
    if (phase < 2 * TRIAL) return false;
    if (phase === 2 * TRIAL) this.#useThreads = this.#total[1]! < this.#total[0]!;
    return this.#useThreads;
  }

  record(usedThreads: boolean, ms: number): void {
    const slot = usedThreads ? 1 : 0;
    this.#total[slot] = this.#total[slot]! + ms;
  }
}

/** The worker that computes the actor's part, and the shared memory it works in. */
class ActorThread {
  readonly #params: Float32Array;
  readonly #gradient: Float64Array;
  readonly #actorRanges: readonly (readonly [number, number])[];
  readonly #worker: Worker;
  readonly #layout: ParamLayout;
  readonly #timeout: number;
  readonly #control: Int32Array;
  readonly #args: Float64Array;
  readonly #stats: Float64Array;
  readonly #error: Uint8Array;
  #capacity = 0;
  #obs: Float32Array = new Float32Array(0);
  #actions: Float32Array = new Float32Array(0);
  #oldLogProbs: Float32Array = new Float32Array(0);
  #advantages: Float32Array = new Float32Array(0);
  #mask: Uint8Array = new Uint8Array(0);
  #stopped = false;

  private constructor(worker: Worker, layout: ParamLayout, timeout: number, setup: SetupMessage) {
    this.#worker = worker;
    this.#layout = layout;
    this.#timeout = timeout;
    this.#params = new Float32Array(setup.params);
    this.#gradient = new Float64Array(setup.gradient);
    this.#actorRanges = layout.tensors.filter((t) => t.group === "actor" && t.trainable).map((t) =>
      [t.offset, t.offset + t.size] as const
    );
    this.#control = new Int32Array(setup.control);
    this.#args = new Float64Array(setup.args);
    this.#stats = new Float64Array(setup.stats);
    this.#error = new Uint8Array(setup.error);
  }

  static async start(layout: ParamLayout, timeout: number): Promise<ActorThread> {
    const shared = (bytes: number) => new SharedArrayBuffer(bytes);
    const setup: SetupMessage = {
      kind: "setup",
      config: layout.config,
      control: shared(CONTROL_SIZE * 4),
      params: shared(layout.size * 4),
      gradient: shared(layout.size * 8),
      args: shared(ARG.width * 8),
      stats: shared(STAT.width * 8),
      error: shared(ERROR_BYTES),
    };
    const worker = new Worker(new URL("./_actor_worker.ts", import.meta.url).href, { type: "module" });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Cannot start the actor worker: no answer within ${timeout} ms`)),
          timeout,
        );
        worker.onmessage = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.onerror = (event) => {
          clearTimeout(timer);
          event.preventDefault();
          reject(new Error(`Cannot start the actor worker: ${event.message}`));
        };
        worker.postMessage(setup);
      });
    } catch (error) {
      worker.terminate();
      throw error;
    }
    worker.onmessage = null;
    return new ActorThread(worker, layout, timeout, setup);
  }

  /** Copies the actor's inputs into shared memory and starts the worker on them. */
  begin(params: Float32Array, minibatch: MinibatchData, options: LossAndGradientOptions): void {
    if (this.#stopped) throw new Error("Cannot train as the threaded policy was disposed");
    const size = minibatch.size;
    if (size > this.#capacity) this.#grow(size);
    this.#params.set(params);
    this.#obs.set(minibatch.obs);
    this.#actions.set(minibatch.actions);
    this.#oldLogProbs.set(minibatch.oldLogProbs);
    this.#advantages.set(minibatch.advantages);
    if (minibatch.mask !== undefined) this.#mask.set(minibatch.mask);
    const args = this.#args;
    args[ARG.size] = size;
    args[ARG.clipCoef] = options.clipCoef;
    args[ARG.clipVloss] = options.clipVloss ? 1 : 0;
    args[ARG.entCoef] = options.entCoef;
    args[ARG.vfCoef] = options.vfCoef;
    args[ARG.normAdv] = options.normAdv ? 1 : 0;
    args[ARG.roundLogProbs] = options.roundLogProbs ? 1 : 0;
    args[ARG.hasMask] = minibatch.mask === undefined ? 0 : 1;
    this.#command(TRAIN);
  }

  /** Waits for the worker's part, copies the actor's gradient into `gradient` and returns its loss terms. */
  finish(gradient: Float64Array): PpoLossParts {
    this.#await("train");
    const shared = this.#gradient;
    for (const [offset, end] of this.#actorRanges) gradient.set(shared.subarray(offset, end), offset);
    const stats = this.#stats;
    return {
      loss: stats[STAT.loss]!,
      policyLoss: stats[STAT.policyLoss]!,
      valueLoss: 0,
      entropy: stats[STAT.entropy]!,
      oldApproxKl: stats[STAT.oldApproxKl]!,
      approxKl: stats[STAT.approxKl]!,
      clipfrac: stats[STAT.clipfrac]!,
    };
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    Atomics.store(this.#control, COMMAND, QUIT);
    Atomics.notify(this.#control, COMMAND);
    this.#worker.terminate();
  }

  #grow(size: number): void {
    const head = this.#layout.config.head;
    const obsDim = this.#layout.config.obsDim;
    const actionDim = head.kind === "categorical" ? 1 : head.dim;
    const maskWidth = head.kind === "categorical" ? head.n : 0;
    const message: InputsMessage = {
      kind: "inputs",
      capacity: size,
      obs: new SharedArrayBuffer(size * obsDim * 4),
      actions: new SharedArrayBuffer(size * actionDim * 4),
      oldLogProbs: new SharedArrayBuffer(size * 4),
      advantages: new SharedArrayBuffer(size * 4),
      mask: new SharedArrayBuffer(Math.max(size * maskWidth, 1)),
    };
    this.#worker.postMessage(message);
    this.#command(RECEIVE);
    this.#await("receive the minibatch buffers");
    this.#capacity = size;
    this.#obs = new Float32Array(message.obs);
    this.#actions = new Float32Array(message.actions);
    this.#oldLogProbs = new Float32Array(message.oldLogProbs);
    this.#advantages = new Float32Array(message.advantages);
    this.#mask = new Uint8Array(message.mask);
  }

  #command(command: number): void {
    Atomics.store(this.#control, STATUS, 0);
    Atomics.store(this.#control, COMMAND, command);
    Atomics.notify(this.#control, COMMAND);
  }

  #await(action: string): void {
    const control = this.#control;
    const deadline = performance.now() + this.#timeout;
    while (Atomics.load(control, STATUS) === 0) {
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(`Cannot ${action} as the actor worker did not answer in ${this.#timeout} ms`);
      }
      Atomics.wait(control, STATUS, 0, left);
    }
    if (Atomics.load(control, STATUS) === FAILED) {
      const end = this.#error.indexOf(0);
      const text = new TextDecoder().decode(this.#error.slice(0, end < 0 ? ERROR_BYTES : end));
      throw new Error(`Cannot ${action} as the actor worker failed: ${text}`);
    }
    if (Atomics.load(control, STATUS) !== DONE) throw new Error(`Cannot ${action}: unknown worker status`);
  }
}
