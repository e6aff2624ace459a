/**
 * The fork-join protocol between the WebAssembly SIMD engine's main thread and its worker: a list of kernel
 * calls in a shared `Int32Array`, a generation counter the main thread bumps to fork and the worker publishes
 * when done. Each hot slot sits on its own 64-byte line. Both sides spin briefly, then sleep in
 * `Atomics.wait`: spinning alone collapses when other processes hold the cores (measured 24-66 us per barrier
 * against 0.7 us idle).
 *
 * @module
 */

/** A kernel call: the kernel's id (its index in the name list) and its i32 arguments. */
export type KernelCall = readonly [id: number, ...args: number[]];

/** Slot of the generation the main thread posts (-1: stop). */
export const GENERATION = 0;
/** Slot of the last generation the worker finished. */
export const DONE = 16;
/** Slot set to 1 when a worker call failed. */
export const ERROR = 32;
const COUNT = 48;
const CALLS = 49;
/** Int32 slots of a mailbox. */
export const MAILBOX_SLOTS = 4096;
/** The generation that tells the worker to stop. */
export const STOP = -1;
/** A worker silent this long has died: the join gives up. */
const JOIN_TIMEOUT_SECONDS = 120;
/** Loads of a slot before sleeping on it. */
export const SPIN_BEFORE_WAIT = 2000;

/** Writes `calls` into the mailbox (the main thread, before bumping the generation). */
export function writeCalls(box: Int32Array, calls: readonly KernelCall[]): void {
  let at = CALLS;
  // Indexed, not destructured: a fork allocates nothing.
  for (const call of calls) {
    if (at + 1 + call.length > box.length) {
      throw new RangeError(
        `Cannot post kernel calls as they need more than ${box.length} mailbox slots: current value is ${calls.length} calls`,
      );
    }
    box[at++] = call[0];
    box[at++] = call.length - 1;
    for (let k = 1; k < call.length; k++) box[at++] = call[k]!;
  }
  box[COUNT] = calls.length;
}

/** Reads the posted calls (the worker, after seeing a new generation). */
export function readCalls(box: Int32Array): [number, number[]][] {
  const calls: [number, number[]][] = [];
  let at = CALLS;
  for (let c = 0; c < box[COUNT]!; c++) {
    const id = box[at++]!;
    const count = box[at++]!;
    calls.push([id, Array.from(box.subarray(at, at + count))]);
    at += count;
  }
  return calls;
}

/** The main thread's side of one worker. */
export class KernelThread {
  readonly #worker: Worker;
  readonly #box: Int32Array;
  #generation = 0;
  #stopped = false;

  private constructor(worker: Worker, box: Int32Array) {
    this.#worker = worker;
    this.#box = box;
  }

  /**
   * Starts the worker on `module` and `memory` (shared), and waits until it is ready.
   *
   * @param module The compiled kernel module.
   * @param memory The shared memory the kernels run on.
   * @param names The kernels' export names, in id order.
   */
  static async start(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    names: readonly string[],
  ): Promise<KernelThread> {
    const mailbox = new SharedArrayBuffer(MAILBOX_SLOTS * 4);
    const worker = new Worker(new URL("./_kernel_worker.ts", import.meta.url).href, { type: "module" });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(`Cannot start the wasm engine's worker: ${event.message}`));
        };
        worker.postMessage({ module, memory, mailbox, names });
      });
    } catch (error) {
      worker.terminate();
      throw error;
    }
    worker.onmessage = null;
    worker.onerror = null;
    return new KernelThread(worker, new Int32Array(mailbox));
  }

  /** Posts `calls` and wakes the worker; {@linkcode KernelThread.join} waits for them. */
  fork(calls: readonly KernelCall[]): void {
    if (this.#stopped) throw new Error("Cannot fork as the wasm engine's worker was stopped");
    writeCalls(this.#box, calls);
    this.#generation++;
    Atomics.store(this.#box, GENERATION, this.#generation);
    Atomics.notify(this.#box, GENERATION);
  }

  /** Waits until the worker has run the last forked calls; throws if one failed. */
  join(): void {
    const box = this.#box;
    const target = this.#generation;
    let done = Atomics.load(box, DONE);
    for (let spin = 0; done !== target && spin < SPIN_BEFORE_WAIT; spin++) done = Atomics.load(box, DONE);
    for (let waits = 0; done !== target; waits++) {
      if (waits === JOIN_TIMEOUT_SECONDS) {
        throw new Error(
          `Cannot finish the step as the wasm engine's worker did not answer within ${JOIN_TIMEOUT_SECONDS} s`,
        );
      }
      Atomics.wait(box, DONE, done, 1000);
      done = Atomics.load(box, DONE);
    }
    if (Atomics.load(box, ERROR) !== 0) {
      throw new Error("Cannot finish the step as a kernel call failed on the wasm engine's worker");
    }
  }

  /** Stops the worker. Further calls do nothing. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    Atomics.store(this.#box, GENERATION, STOP);
    Atomics.notify(this.#box, GENERATION);
    this.#worker.terminate();
  }
}
