import { concatMap, defer, from } from "rxjs";
import type { OperatorFunction } from "../_rxjs.ts";
import type { Rng } from "../core/rng.ts";
import type { AdvantageBatch, Minibatch } from "./types.ts";

/** Options of {@linkcode minibatches}. */
export interface MinibatchesOptions {
  /** Minibatches per epoch; must divide the batch size. */
  readonly numMinibatches: number;
  /** Passes over each batch. */
  readonly updateEpochs: number;
  /**
   * A holder whose permutation array every batch of the same size reuses, also across subscriptions (one run's
   * iterations), instead of allocating; a batch's minibatch indices are then overwritten by the next batch's.
   * @default {fresh arrays for every batch}
   */
  readonly reuse?: { permutations?: Int32Array };
}

/**
 * Splits each batch into `updateEpochs x numMinibatches` shuffled minibatches.
 *
 * It's like CleanRL's `np.random.shuffle(b_inds)` loop: every epoch draws a fresh permutation from `rng`, so
 * within an epoch each row appears in exactly one minibatch (sampling without replacement).
 *
 * ```
 * source:  ---b----------b---|
 * minibatches(rng, { numMinibatches: 2, updateEpochs: 2 })
 * result:  ---(mmmm)-----(mmmm)---|
 * ```
 *
 * @param rng The run's seeded generator.
 * @param options Minibatch count and epochs.
 * @returns An operator from advantage batches to minibatches (row indices into the batch).
 *
 * @example
 * ```ts
 * import { of, toArray } from "rxjs";
 * import { minibatches } from "./minibatches.ts";
 * import { Rng } from "../core/rng.ts";
 * import type { AdvantageBatch } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * const batch = { numSteps: 4, numEnvs: 1 } as AdvantageBatch;
 * of(batch).pipe(minibatches(new Rng(0), { numMinibatches: 2, updateEpochs: 3 }), toArray()).subscribe((list) => {
 *   assert.equal(list.length, 6);
 *   assert.equal(list[0]!.indices.length, 2);
 * });
 * ```
 */
export function minibatches(
  rng: Rng,
  options: MinibatchesOptions,
): OperatorFunction<AdvantageBatch, Minibatch> {
  const { numMinibatches, updateEpochs } = options;
  for (const [name, value] of [["numMinibatches", numMinibatches], ["updateEpochs", updateEpochs]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot create minibatches as ${name} must be a positive integer: current value is ${value}`,
      );
    }
  }
  return concatMap((batch: AdvantageBatch) =>
    defer(() => {
      const batchSize = batch.numSteps * batch.numEnvs;
      if (batchSize % numMinibatches !== 0) {
        throw new RangeError(
          `Cannot create minibatches as numMinibatches must divide the batch size ${batchSize}: current value is ${numMinibatches}`,
        );
      }
      const size = batchSize / numMinibatches;
      const list: Minibatch[] = [];
      const reuse = options.reuse;
      let permutations = reuse?.permutations;
      if (permutations?.length !== updateEpochs * batchSize) {
        permutations = new Int32Array(updateEpochs * batchSize);
        if (reuse !== undefined) reuse.permutations = permutations;
      }
      for (let epoch = 0; epoch < updateEpochs; epoch++) {
        const permutation = permutations.subarray(epoch * batchSize, (epoch + 1) * batchSize);
        for (let i = 0; i < batchSize; i++) permutation[i] = i;
        rng.shuffle(permutation);
        for (let index = 0; index < numMinibatches; index++) {
          const indices = permutation.subarray(index * size, (index + 1) * size);
          list.push({ batch, indices, epoch, index, numMinibatches, updateEpochs });
        }
      }
      return from(list);
    })
  );
}
