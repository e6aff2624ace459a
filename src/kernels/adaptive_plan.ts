/**
 * A plan compiled twice (on webasm's worker pool and on one thread) that runs whichever is faster here, as
 * measured on its own calls.
 *
 * @module
 */
import type { Plan } from "./_gpu.ts";

/** Calls per variant that compile and warm up, and are not timed. */
const WARM_UP = 2;
/** Timed calls per variant kept (the latest), whose median decides. */
const SAMPLES = 5;
/** Every this many calls after the choice, the next variant gets one timed call, so a change in load is noticed. */
const REVISIT = 200;

/** Options of {@linkcode AdaptivePlan}. */
export interface AdaptivePlanOptions {
  /** The clock that times each call, in milliseconds. @default {() => performance.now()} */
  readonly now?: () => number;
}

/**
 * Runs `variants` in turn until each has {@linkcode SAMPLES} timed calls, then the one with the lowest median
 * time, revisiting the others now and then. Whether two workers beat one depends on the batch (each plan step
 * costs a barrier of about 55 us) and on how busy the machine's cores are, so it is measured, not assumed.
 * Every variant computes the same numbers (gpu.js splits cells, not sums), so the choice never changes results.
 *
 * @example
 * ```ts
 * import { AdaptivePlan } from "./adaptive_plan.ts";
 * import type { Plan } from "./_gpu.ts";
 * import assert from "node:assert/strict";
 *
 * const fixed = (value: number): Plan<number> => ({
 *   run: () => Promise.resolve(value),
 *   executorKind: `plan ${value}`,
 *   fallbackReason: null,
 *   backend: "cpu",
 * });
 * const plan = new AdaptivePlan([fixed(1), fixed(2)]);
 * for (let i = 0; i < 20; i++) assert.ok([1, 2].includes(await plan.run()));
 * ```
 */
export class AdaptivePlan<R> implements Plan<R> {
  readonly #variants: readonly Plan<R>[];
  readonly #times: number[][];
  readonly #calls: number[];
  #chosen = -1;
  #sinceChoice = 0;
  #last: Plan<R>;
  readonly #now: () => number;

  /**
   * @param variants Plans that compute the same numbers, in the order they are first tried.
   * @param options The clock.
   */
  constructor(variants: readonly Plan<R>[], options: AdaptivePlanOptions = {}) {
    if (variants.length === 0) throw new TypeError("Cannot create an adaptive plan as variants is empty");
    this.#now = options.now ?? (() => performance.now());
    this.#variants = variants;
    this.#times = variants.map(() => []);
    this.#calls = variants.map(() => 0);
    this.#last = variants[0]!;
  }

  async run(...args: Float32Array[]): Promise<R> {
    const index = this.#next();
    const variant = this.#variants[index]!;
    const start = this.#now();
    const result = await variant.run(...args);
    const elapsed = this.#now() - start;
    this.#last = variant;
    if (++this.#calls[index]! > WARM_UP) {
      const times = this.#times[index]!;
      times.push(elapsed);
      if (times.length > SAMPLES) times.shift();
      if (this.#times.every((t) => t.length === SAMPLES)) this.#chosen = this.#fastest();
    }
    return result;
  }

  /** The executor of the variant that ran last. */
  get executorKind(): string {
    return this.#last.executorKind;
  }

  get fallbackReason(): string | null {
    return this.#last.fallbackReason;
  }

  get backend(): string | null {
    return this.#last.backend;
  }

  #next(): number {
    if (this.#chosen < 0) {
      // Still measuring: the variant with the fewest calls, so they alternate.
      return this.#calls.indexOf(Math.min(...this.#calls));
    }
    if (++this.#sinceChoice % REVISIT === 0) return (this.#chosen + 1) % this.#variants.length;
    return this.#chosen;
  }

  #fastest(): number {
    const medians = this.#times.map((times) => [...times].sort((a, b) => a - b)[times.length >> 1]!);
    return medians.indexOf(Math.min(...medians));
  }
}
