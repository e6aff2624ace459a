import { concatMap, defer, EMPTY, from, of, tap } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import { gae } from "../core/gae.ts";
import type { ValueEstimator } from "./advantage.ts";
import { criticValues } from "./_critic_values.ts";
import type { AdvantageBatch, Minibatch, UpdateResult } from "./types.ts";

/** Options of {@linkcode recomputeAdvantages}. */
export interface RecomputeAdvantagesOptions {
  /** Discount factor. @default {0.99} */
  readonly gamma?: number;
  /** GAE lambda. @default {0.95} */
  readonly gaeLambda?: number;
}

/**
 * Recomputes GAE advantages and returns with the critic as it is at the start of every epoch, then lets `update`
 * train on that epoch's minibatches: the variant of PPO in which each epoch sees advantages from the critic the
 * previous epochs trained (the numpy tutorial's update loop; "recompute advantages" in the large study of
 * on-policy design choices).
 *
 * It's like `update` alone, but it holds back each epoch's minibatches until the previous epoch's updates are
 * done and the critic has valued the batch (its observations, the final observations of truncated episodes and
 * the observations after the rollout, in one call): that is why it wraps the update stage instead of preceding
 * it, and why it works with engines that answer with promises. The rollout's recorded values are kept as the old
 * values that value clipping needs; an iteration's epochs share one batch object, with the new advantages and
 * returns, so the rollout's own arrays are left as they were. Once an epoch ends early on `targetKl`, the batch's
 * remaining epochs are skipped without asking the critic.
 *
 * ```
 * source:  ---(mmmm)----------------|        (2 epochs x 2 minibatches)
 * recomputeAdvantages(engine, ppoUpdate(collector, options))
 * result:  ---(v)-u--u--(v)-u--(u)--|        (v: the critic is asked; the last update is final)
 * ```
 *
 * @param critic Supplies `values(obs, batch, out)` with the current parameters; it may answer with a promise.
 * @param update The update stage, usually `ppoUpdate(collector, options)`; subscribed once per epoch.
 * @param options Discount and lambda.
 * @returns An operator from minibatches to update results.
 *
 * @example
 * ```ts ignore
 * rollouts$.pipe(
 *   advantage(engine, { gamma, gaeLambda }),
 *   minibatches(rng, { numMinibatches, updateEpochs }),
 *   recomputeAdvantages(engine, ppoUpdate(collector, options), { gamma, gaeLambda }),
 * )
 * // As train()'s update stage:
 * // stages: { update: ({ engine, collector }) => recomputeAdvantages(engine, ppoUpdate(collector, options)) }
 * ```
 */
export function recomputeAdvantages(
  critic: ValueEstimator,
  update: OperatorFunction<Minibatch, UpdateResult>,
  options: RecomputeAdvantagesOptions = {},
): OperatorFunction<Minibatch, UpdateResult> {
  const gamma = options.gamma ?? 0.99;
  const gaeLambda = options.gaeLambda ?? 0.95;
  for (const [name, value] of [["gamma", gamma], ["gaeLambda", gaeLambda]] as const) {
    if (!(value >= 0 && value <= 1)) {
      throw new RangeError(
        `Cannot create recomputeAdvantages as ${name} must be in [0, 1]: current value is ${value}`,
      );
    }
  }
  return (source: Observable<Minibatch>) =>
    defer(() => {
      let epoch: Minibatch[] = [];
      let stopped: AdvantageBatch | undefined;
      let recomputed: { readonly original: AdvantageBatch; readonly batch: AdvantageBatch } | undefined;
      const batchFor = (original: AdvantageBatch): AdvantageBatch => {
        if (recomputed?.original !== original) {
          const rows = original.numSteps * original.numEnvs;
          const batch = { ...original, advantages: new Float32Array(rows), returns: new Float32Array(rows) };
          recomputed = { original, batch };
        }
        return recomputed.batch;
      };
      return source.pipe(
        concatMap((mb) => {
          epoch.push(mb);
          if (mb.index < mb.numMinibatches - 1) return EMPTY;
          const list = epoch;
          epoch = [];
          return of(list);
        }),
        // One epoch at a time: the next epoch's critic call waits until this epoch's updates have completed.
        concatMap((list) => {
          const original = list[0]!.batch;
          if (original === stopped) return EMPTY;
          return criticValues(critic, original, { current: true }).pipe(
            concatMap(({ values, finalValues, nextValues }) => {
              const batch = batchFor(original);
              gae({ ...original, values, finalValues, nextValues }, { gamma, gaeLambda }, batch);
              return from(list.map((mb): Minibatch => ({ ...mb, batch }))).pipe(update);
            }),
            tap((result) => {
              if (result.earlyStopped) stopped = original;
            }),
          );
        }),
      );
    });
}
