import { concatMap, defer, EMPTY, map } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import type { MinibatchData, PolicyEngine, TrainStepOptions } from "../model/types.ts";
import { checkUpdateOptions } from "./_check_update_options.ts";
import { maybeAsync } from "./_maybe_async.ts";
import type { AdvantageBatch, Minibatch, UpdateResult } from "./types.ts";

/** What {@linkcode ppoUpdate} updates: an engine, and the version counter that rollouts record. */
export interface UpdateTarget {
  /** The engine whose parameters each minibatch updates. */
  readonly engine: Pick<PolicyEngine, "trainStep">;
  /** Completed iterations of updates; incremented after each iteration's last update. */
  policyVersion: number;
}

/** Options of {@linkcode ppoUpdate} (CleanRL names). */
export interface PpoUpdateOptions extends Omit<TrainStepOptions, "learningRate" | "criticLearningRate"> {
  /** Initial actor (and critic) learning rate. */
  readonly learningRate: number;
  /** Initial critic learning rate, if it differs (null: the same as `learningRate`, as in a resolved config). */
  readonly criticLearningRate?: number | null;
  /** Anneal the learning rates linearly to 0 over this many iterations; absent: constant. */
  readonly annealIterations?: number;
  /** Stop the iteration's remaining updates when approx KL exceeds this (see `earlyStop`). */
  readonly targetKl?: number | null;
  /**
   * When approx KL is checked against `targetKl`: after each epoch's last minibatch (CleanRL's `ppo.py`), or
   * after every minibatch (stopping mid-epoch, as several PPO implementations and the Keras tutorial's loop do).
   * @default {"epoch"}
   */
  readonly earlyStop?: "epoch" | "minibatch";
}

/**
 * Runs one optimizer step per minibatch: loss, backward, global gradient clip and Adam.
 *
 * It's like `concatMap(trainStep)`, but it gathers the minibatch's rows into reused buffers, anneals the learning
 * rate by the batch's policy version, skips the rest of an iteration once approx KL exceeds `targetKl` (checked
 * at each epoch's end, or after every minibatch with `earlyStop: "minibatch"`), and bumps `target.policyVersion` after the iteration's last update, so the next rollout is
 * collected with the new parameters (on-policy lockstep).
 *
 * ```
 * source:  ---(mmmm)---------|
 * ppoUpdate(target, options)
 * result:  ----u--u--u--(u)--|     (the last result has final: true)
 * ```
 *
 * @param target The engine to train and its version counter.
 * @param options Loss coefficients, learning rates and early stopping.
 * @returns An operator from minibatches to update results.
 *
 * @example
 * ```ts ignore
 * minibatches$.pipe(ppoUpdate(collector, { learningRate: 2.5e-4, clipCoef: 0.2, ... }))
 * ```
 */
export function ppoUpdate(
  target: UpdateTarget,
  options: PpoUpdateOptions,
): OperatorFunction<Minibatch, UpdateResult> {
  validate(options);
  return (source: Observable<Minibatch>) =>
    defer(() => {
      const buffers = new RowBuffers();
      let stoppedBatch: AdvantageBatch | undefined;
      return source.pipe(concatMap((mb) => {
        if (mb.batch === stoppedBatch) return EMPTY;
        const iteration = mb.batch.policyVersion;
        const frac = options.annealIterations === undefined ? 1 : 1 - iteration / options.annealIterations;
        const learningRate = frac * options.learningRate;
        const {
          criticLearningRate,
          annealIterations: _anneal,
          targetKl: _targetKl,
          earlyStop: _earlyStop,
          ...lossOptions
        } = options;
        const stepOptions: TrainStepOptions = {
          ...lossOptions,
          learningRate,
          ...(criticLearningRate == null ? {} : { criticLearningRate: frac * criticLearningRate }),
        };
        return maybeAsync(target.engine.trainStep(buffers.gather(mb), stepOptions)).pipe(
          map((losses): UpdateResult => {
            const lastOfEpoch = mb.index === mb.numMinibatches - 1;
            const lastUpdate = lastOfEpoch && mb.epoch === mb.updateEpochs - 1;
            const checked = options.earlyStop === "minibatch" || lastOfEpoch;
            const earlyStopped = checked && !lastUpdate && options.targetKl != null &&
              losses.approxKl > options.targetKl;
            const final = earlyStopped || lastUpdate;
            if (earlyStopped) stoppedBatch = mb.batch;
            if (final) target.policyVersion = iteration + 1;
            return {
              batch: mb.batch,
              epoch: mb.epoch,
              index: mb.index,
              learningRate,
              losses,
              final,
              earlyStopped,
            };
          }),
        );
      }));
    });
}

function validate(options: PpoUpdateOptions): void {
  checkUpdateOptions("ppoUpdate", options);
  if (options.earlyStop !== undefined && options.earlyStop !== "epoch" && options.earlyStop !== "minibatch") {
    throw new RangeError(
      `Cannot create ppoUpdate as earlyStop must be "epoch" or "minibatch": current value is ${options.earlyStop}`,
    );
  }
}

/** Minibatch rows gathered into buffers that are reused while the minibatch size stays the same. */
class RowBuffers {
  #data: MinibatchData | undefined;

  gather(mb: Minibatch): MinibatchData {
    const { batch, indices } = mb;
    const size = indices.length;
    const { obsDim, actionDim } = batch;
    if (this.#data?.size !== size || this.#data.obs.length !== size * obsDim) {
      this.#data = {
        size,
        obs: new Float32Array(size * obsDim),
        actions: new Float32Array(size * actionDim),
        oldLogProbs: new Float32Array(size),
        advantages: new Float32Array(size),
        returns: new Float32Array(size),
        oldValues: new Float32Array(size),
      };
    }
    const d = this.#data;
    for (let k = 0; k < size; k++) {
      const row = indices[k]!;
      d.obs.set(batch.obs.subarray(row * obsDim, (row + 1) * obsDim), k * obsDim);
      if (actionDim === 1) d.actions[k] = batch.actions[row]!;
      else d.actions.set(batch.actions.subarray(row * actionDim, (row + 1) * actionDim), k * actionDim);
      d.oldLogProbs[k] = batch.logProbs[row]!;
      d.advantages[k] = batch.advantages[row]!;
      d.returns[k] = batch.returns[row]!;
      d.oldValues[k] = batch.values[row]!;
    }
    return d;
  }
}
