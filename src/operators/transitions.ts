import { concatMap, defer, range } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import { maybeAsync } from "./_maybe_async.ts";
import type { StepBatch } from "./types.ts";

/** The part of a {@linkcode Collector} that {@linkcode transitions} needs. */
export interface StepSource {
  /** Takes one vector step with the current policy. */
  step(): StepBatch | Promise<StepBatch>;
}

/**
 * A source of `numSteps` vector steps taken with the collector's current policy, one emission per step.
 *
 * It's like `range(0, numSteps)` mapped through `collector.step()`, but each step starts only after the previous
 * one (and its asynchronous inference, if any) has finished, and nothing is stepped until subscription.
 *
 * ```
 * transitions(collector, { numSteps: 3 })
 * result:  s-s-s|
 * ```
 *
 * @param collector Steps the envs.
 * @param options How many vector steps to emit.
 * @returns A cold observable of step batches (whose buffers the next step overwrites).
 *
 * @example
 * ```ts ignore
 * transitions(collector, { numSteps: 128 }).pipe(map(shapeReward), rollout({ numSteps: 128 }))
 * ```
 */
export function transitions(
  collector: StepSource,
  options: { readonly numSteps: number },
): Observable<StepBatch> {
  const { numSteps } = options;
  if (!Number.isInteger(numSteps) || numSteps < 1) {
    throw new RangeError(
      `Cannot create transitions as numSteps must be a positive integer: current value is ${numSteps}`,
    );
  }
  return defer(() => range(0, numSteps).pipe(concatMap(() => maybeAsync(collector.step()))));
}
