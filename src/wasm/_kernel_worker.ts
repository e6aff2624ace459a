/**
 * The second thread of the WebAssembly SIMD engine: it instantiates the network's kernel module on the same
 * shared memory and runs the lists of kernel calls the main thread posts in the mailbox (see `mailbox.ts`).
 *
 * @module
 */
import { DONE, ERROR, GENERATION, readCalls, SPIN_BEFORE_WAIT, STOP } from "./mailbox.ts";

/** The one message the worker gets: its module, memory, mailbox and the kernels' names in id order. */
export interface KernelWorkerSetup {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly mailbox: SharedArrayBuffer;
  readonly names: readonly string[];
}

declare const self: {
  onmessage: ((event: MessageEvent<KernelWorkerSetup>) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

self.onmessage = async (event: MessageEvent<KernelWorkerSetup>) => {
  self.onmessage = null;
  const { module, memory, mailbox, names } = event.data;
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const kernels = names.map((name) => instance.exports[name] as (...args: number[]) => void);
  const box = new Int32Array(mailbox);
  // Read the generation before saying ready, so a fork posted right after the answer is not missed.
  let seen = Atomics.load(box, GENERATION);
  self.postMessage("ready");
  for (;;) {
    let generation = Atomics.load(box, GENERATION);
    for (let spin = 0; generation === seen && spin < SPIN_BEFORE_WAIT; spin++) {
      generation = Atomics.load(box, GENERATION);
    }
    if (generation === seen) {
      Atomics.wait(box, GENERATION, seen);
      continue;
    }
    seen = generation;
    if (generation === STOP) break;
    try {
      for (const [id, args] of readCalls(box)) kernels[id]!(...args);
    } catch (error) {
      Atomics.store(box, ERROR, 1);
      console.error(`ppo-flow wasm worker: ${error instanceof Error ? error.message : String(error)}`);
    }
    Atomics.store(box, DONE, generation);
    Atomics.notify(box, DONE);
  }
  self.close();
};
