import { checkUpdateOptions } from "./_check_update_options.ts";
import { concat, concatMap, defer, EMPTY, map, of, range } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import type { MinibatchData, PolicyEngine, TrainStepOptions, TrainStepStats } from "../model/types.ts";
import { maybeAsync } from "./_maybe_async.ts";
import type { AdvantageBatch, UpdateResult } from "./types.ts";

/** The early stop of the policy loop: the KL after a step must stay within this many `targetKl`. */
const KL_MARGIN = 1.5;

/** What {@linkcode policyThenValue} trains: an engine that trains a part of itself, and the version counter. */
export interface PolicyThenValueTarget {
  /** The engine; `trainStep` must support `part` (separate actor and critic networks). */
  readonly engine: Pick<PolicyEngine, "trainStep" | "evaluate">;
  /** Completed iterations of updates; incremented after each batch's last value step. */
  policyVersion: number;
}

/** Options of {@linkcode policyThenValue} (the Keras tutorial's loops, with CleanRL's names for the rest). */
export interface PolicyThenValueOptions
  extends Omit<TrainStepOptions, "learningRate" | "criticLearningRate" | "part"> {
  /** Initial learning rate of the policy steps (the tutorial's 3e-4). */
  readonly learningRate: number;
  /** Initial learning rate of the value steps (the tutorial's 1e-3); null or absent: `learningRate`. */
  readonly criticLearningRate?: number | null;
  /** Most full-batch policy steps per batch (the tutorial's `train_policy_iterations`, 80). */
  readonly policyIterations: number;
  /** Full-batch value steps per batch, after the policy steps (the tutorial's `train_value_iterations`, 80). */
  readonly valueIterations: number;
  /**
   * Stop the policy steps once the KL after a step, `mean(old log-prob - new log-prob)` over the batch, exceeds
   * 1.5 times this (the tutorial's 0.01); null never stops them, and skips measuring the KL.
   * @default {null}
   */
  readonly targetKl?: number | null;
  /** Anneal the learning rates linearly to 0 over this many iterations; absent: constant. */
  readonly annealIterations?: number;
}

/** One step of {@linkcode policyThenValue}. */
export interface PolicyThenValueResult extends UpdateResult {
  /** The network the step trained. */
  readonly part: "actor" | "critic";
  /** The KL after a policy step, `mean(old log-prob - new log-prob)`; null for value steps or without `targetKl`. */
  readonly kl: number | null;
}

/**
 * Trains each batch as the Keras PPO tutorial does: up to `policyIterations` policy steps on the whole batch,
 * stopping once the KL after a step exceeds 1.5 x `targetKl`, then `valueIterations` value steps on the whole
 * batch, each network with its own learning rate.
 *
 * It's like {@linkcode ppoUpdate} over one full-batch minibatch, but the actor and the critic are trained in two
 * loops (`engine.trainStep(batch, { ...options, part: "actor" })`, then `part: "critic"`), the KL is measured with
 * the updated actor after each policy step (one `evaluate` of the batch), and the early stop ends only the policy
 * loop. A step's `epoch` counts the steps of its loop from 0. A value step's losses repeat the last policy step's
 * policy loss, entropy and KLs and carry the mean clipfrac of the policy steps, so a summary of the last update
 * ({@linkcode iterationMetrics}) shows both loops. The last value step has `final: true` and bumps
 * `target.policyVersion` (on-policy lockstep).
 *
 * ```
 * source:  ---b--------------------|
 * policyThenValue(target, { policyIterations: 3, valueIterations: 2 })
 * result:  ---p--p--p--v--(v)------|     (p: policy steps, v: value steps, the last one final)
 * ```
 *
 * @param target The engine (separate actor and critic networks) and its version counter.
 * @param options Learning rates, loop lengths, the KL target and the loss coefficients.
 * @returns An operator from advantage batches to one result per step.
 *
 * @example The tutorial's settings, as the iteration of `train()`
 * ```ts ignore
 * const run = await train({ numEnvs: 1, numSteps: 4000, totalTimesteps: 30 * 4000 }, {
 *   iteration: ({ steps, collector, engine, config }) =>
 *     steps(config.numSteps).pipe(
 *       rollout({ numSteps: config.numSteps }),
 *       advantage(engine, { gamma: 0.99, gaeLambda: 0.97 }),
 *       policyThenValue(collector, {
 *         learningRate: 3e-4, criticLearningRate: 1e-3, policyIterations: 80, valueIterations: 80, targetKl: 0.01,
 *         clipCoef: 0.2, clipVloss: false, entCoef: 0, vfCoef: 1, maxGradNorm: Infinity, normAdv: true,
 *       }),
 *     ),
 * });
 * ```
 */
export function policyThenValue(
  target: PolicyThenValueTarget,
  options: PolicyThenValueOptions,
): OperatorFunction<AdvantageBatch, PolicyThenValueResult> {
  validate(options);
  const {
    learningRate,
    criticLearningRate,
    policyIterations,
    valueIterations,
    targetKl,
    annealIterations,
    ...lossOptions
  } = options;
  return concatMap((batch: AdvantageBatch) =>
    defer(() => {
      const iteration = batch.policyVersion;
      const frac = annealIterations === undefined ? 1 : 1 - iteration / annealIterations;
      const stepOptions: TrainStepOptions = {
        ...lossOptions,
        learningRate: frac * learningRate,
        criticLearningRate: frac * (criticLearningRate ?? learningRate),
      };
      const rows = batch.numSteps * batch.numEnvs;
      const data: MinibatchData = {
        size: rows,
        obs: batch.obs,
        actions: batch.actions,
        oldLogProbs: batch.logProbs,
        advantages: batch.advantages,
        returns: batch.returns,
        oldValues: batch.values,
      };
      const evaluated = {
        logProbs: new Float32Array(rows),
        entropy: new Float32Array(rows),
        values: new Float32Array(rows),
      };
      let stopped = false;
      let lastPolicy: TrainStepStats | undefined;
      let clipfracSum = 0;
      let policySteps = 0;
      const result = (
        part: "actor" | "critic",
        epoch: number,
        losses: TrainStepStats,
        kl: number | null,
      ): PolicyThenValueResult => {
        const final = part === "critic" && epoch === valueIterations - 1;
        if (final) target.policyVersion = iteration + 1;
        return {
          batch,
          epoch,
          index: 0,
          learningRate: stepOptions.learningRate,
          losses,
          final,
          earlyStopped: part === "actor" && stopped,
          part,
          kl,
        };
      };
      const measureKl = (): Observable<number | null> => {
        if (targetKl == null) return of(null);
        return maybeAsync(target.engine.evaluate(batch.obs, batch.actions, rows, evaluated)).pipe(
          map(() => {
            let sum = 0;
            for (let i = 0; i < rows; i++) sum += batch.logProbs[i]! - evaluated.logProbs[i]!;
            return sum / rows;
          }),
        );
      };
      const policy$ = range(0, policyIterations).pipe(
        // Projected when the previous step is done, so a stop skips the steps still queued.
        concatMap((epoch) => {
          if (stopped) return EMPTY;
          return maybeAsync(target.engine.trainStep(data, { ...stepOptions, part: "actor" })).pipe(
            concatMap((losses) => measureKl().pipe(map((kl) => [losses, kl] as const))),
            map(([losses, kl]) => {
              lastPolicy = losses;
              clipfracSum += losses.clipfrac;
              policySteps++;
              stopped = kl !== null && kl > KL_MARGIN * targetKl!;
              return result("actor", epoch, losses, kl);
            }),
          );
        }),
      );
      const value$ = range(0, valueIterations).pipe(
        concatMap((epoch) =>
          maybeAsync(target.engine.trainStep(data, { ...stepOptions, part: "critic" })).pipe(
            map((own) => {
              const losses: TrainStepStats = {
                ...lastPolicy!,
                clipfrac: clipfracSum / policySteps,
                valueLoss: own.valueLoss,
                gradNorm: own.gradNorm,
              };
              return result("critic", epoch, losses, null);
            }),
          )
        ),
      );
      return concat(policy$, value$);
    })
  );
}

function validate(options: PolicyThenValueOptions): void {
  for (const name of ["policyIterations", "valueIterations"] as const) {
    const value = options[name];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot create policyThenValue as ${name} must be a positive integer: current value is ${value}`,
      );
    }
  }
  checkUpdateOptions("policyThenValue", options);
}
