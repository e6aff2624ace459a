import { identity } from "rxjs";
import type { Observable, OperatorFunction } from "../_rxjs.ts";
import type { Rng } from "../core/rng.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import { derivedSizes } from "../config/ppo_config.ts";
import { advantage, type AdvantageBuffers } from "../operators/advantage.ts";
import type { Collector } from "../operators/collector.ts";
import { minibatches } from "../operators/minibatches.ts";
import { ppoUpdate } from "../operators/ppo_update.ts";
import { rollout } from "../operators/rollout.ts";
import { transitions } from "../operators/transitions.ts";
import type { Rollout, StepBatch, UpdateResult } from "../operators/types.ts";

/** Arrays one run's iterations share (on-policy lockstep: iteration k+1 starts after iteration k's update). */
interface IterationBuffers {
  readonly rollout: { rollout?: Rollout };
  readonly advantage: { buffers?: AdvantageBuffers };
  readonly minibatches: { permutations?: Int32Array };
}

/** Per collector, that is per run, so that two runs never share arrays. */
const buffersByCollector = new WeakMap<Collector, IterationBuffers>();

/** Options of {@linkcode ppoIteration}. */
export interface PpoIterationOptions {
  /** A user operator on the stream of vector steps, before they are collected (reward shaping, filtering...). */
  readonly transform?: OperatorFunction<StepBatch, StepBatch>;
}

/**
 * One PPO iteration as a cold observable: collect `numSteps` vector steps with the current policy, compute GAE,
 * then run `updateEpochs x numMinibatches` updates. It completes after the iteration's last update, so
 * `concatMap(() => ppoIteration(...))` over iterations keeps rollouts and updates in on-policy lockstep.
 *
 * Rollout, advantage and minibatch arrays are reused from one iteration of the run (one collector) to the
 * next, so an `UpdateResult`'s batch is valid until the next iteration's rollout overwrites it.
 *
 * It's CleanRL's loop body, as operators:
 *
 * ```
 * transitions --> [transform] --> rollout --> advantage --> minibatches --> ppoUpdate
 * ```
 *
 * @param collector Steps the envs with the engine, and holds the policy version.
 * @param shuffleRng The generator that shuffles minibatches.
 * @param config Resolved PPO config.
 * @param options A user operator on transitions.
 * @returns The iteration's update results.
 *
 * @example
 * ```ts ignore
 * range(0, numIterations).pipe(concatMap(() => ppoIteration(collector, rng, config)), iterationMetrics())
 * ```
 */
export function ppoIteration(
  collector: Collector,
  shuffleRng: Rng,
  config: PpoConfig,
  options: PpoIterationOptions = {},
): Observable<UpdateResult> {
  const { numIterations } = derivedSizes(config);
  let reuse = buffersByCollector.get(collector);
  if (reuse === undefined) {
    reuse = { rollout: {}, advantage: {}, minibatches: {} };
    buffersByCollector.set(collector, reuse);
  }
  return transitions(collector, { numSteps: config.numSteps }).pipe(
    options.transform ?? identity,
    rollout({ numSteps: config.numSteps, reuse: reuse.rollout }),
    advantage(collector.engine, { gamma: config.gamma, gaeLambda: config.gaeLambda, reuse: reuse.advantage }),
    minibatches(shuffleRng, {
      numMinibatches: config.numMinibatches,
      updateEpochs: config.updateEpochs,
      reuse: reuse.minibatches,
    }),
    ppoUpdate(collector, {
      learningRate: config.learningRate,
      ...(config.criticLearningRate === null ? {} : { criticLearningRate: config.criticLearningRate }),
      ...(config.annealLr ? { annealIterations: numIterations } : {}),
      targetKl: config.targetKl,
      clipCoef: config.clipCoef,
      clipVloss: config.clipVloss,
      entCoef: config.entCoef,
      vfCoef: config.vfCoef,
      maxGradNorm: config.maxGradNorm,
      normAdv: config.normAdv,
      adamEps: config.adamEps,
    }),
  );
}
