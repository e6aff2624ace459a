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
import type { AdvantageBatch, Minibatch, Rollout, StepBatch, UpdateResult } from "../operators/types.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import type { PolicyEngine } from "../model/types.ts";

/** Arrays one run's iterations share (on-policy lockstep: iteration k+1 starts after iteration k's update). */
interface IterationBuffers {
  readonly rollout: { rollout?: Rollout };
  readonly advantage: { buffers?: AdvantageBuffers };
  readonly minibatches: { permutations?: Int32Array };
}

/** Per collector, that is per run, so that two runs never share arrays. */
const buffersByCollector = new WeakMap<Collector, IterationBuffers>();

/**
 * What a stage of an iteration may use: the run's collector (envs, engine, policy version), its engine, the
 * resolved config, the minibatch shuffler, the iteration being composed, and the run's stage state.
 */
export interface IterationContext {
  /** Steps the envs with the engine, and holds the policy version (completed updates). */
  readonly collector: Collector;
  /** The engine that acts and trains. */
  readonly engine: PolicyEngine;
  /** The resolved config. */
  readonly config: PpoConfig;
  /** The seeded generator that shuffles minibatches (saved in checkpoints). */
  readonly shuffleRng: Rng;
  /** The iteration being composed, from 1. */
  readonly iteration: number;
  /** `floor(totalTimesteps / batchSize)`. */
  readonly numIterations: number;
  /**
   * `numSteps` vector steps with the current policy, through the run's episode recording and the user's
   * `transform`: what a collection stage builds its rollout from (call it again for more steps, e.g. to end a
   * rollout at an episode's end).
   */
  steps(numSteps: number): Observable<StepBatch>;
  /**
   * The run's episode recording and the user's `transform`: what `steps` applies to the collector's steps, for a
   * collection stage whose step batches come from elsewhere (a remote rollout source).
   */
  readonly transform: OperatorFunction<StepBatch, StepBatch>;
  /**
   * State a stage keeps across iterations (its counters, a running statistic, its own optimizer's moments as
   * arrays): JSON values by key, owned by the run, saved in every checkpoint and restored on resume, so a resumed
   * run continues exactly. Keep nothing across iterations anywhere else.
   */
  readonly state: Map<string, JsonValue>;
}

/**
 * The replaceable stages of an iteration. Each builds its part from the iteration's context; a missing one is
 * the default (CleanRL's). The stages must keep on-policy lockstep: the update stage completes after the
 * iteration's last update.
 */
export interface PpoStages {
  /** The iteration's rollout, from `context.steps`. @default {rollout of numSteps steps} */
  readonly collect?: (context: IterationContext) => Observable<Rollout>;
  /** Advantages and value targets. @default {GAE(gamma, gaeLambda) with the critic's bootstrap values} */
  readonly advantage?: (context: IterationContext) => OperatorFunction<Rollout, AdvantageBatch>;
  /** Minibatches. @default {updateEpochs shuffled passes of numMinibatches} */
  readonly minibatches?: (context: IterationContext) => OperatorFunction<AdvantageBatch, Minibatch>;
  /** The update. @default {ppoUpdate with the config's coefficients, annealing and targetKl} */
  readonly update?: (context: IterationContext) => OperatorFunction<Minibatch, UpdateResult>;
}

/** Options of {@linkcode ppoIteration}. */
export interface PpoIterationOptions {
  /** A user operator on the stream of vector steps, before they are collected (reward shaping, filtering...). */
  readonly transform?: OperatorFunction<StepBatch, StepBatch>;
  /** Stages to use instead of the defaults. */
  readonly stages?: PpoStages;
  /** The run's stage state (see {@linkcode IterationContext.state}). @default {a new, empty map} */
  readonly state?: Map<string, JsonValue>;
}

/**
 * The context of the iteration `collector` is about to run (see {@linkcode IterationContext}).
 *
 * @param collector The run's collector.
 * @param shuffleRng The run's minibatch shuffler.
 * @param config The resolved config.
 * @param options The user's transform on vector steps and the run's stage state.
 * @returns The context a stage or an iteration composer builds from.
 */
export function iterationContext(
  collector: Collector,
  shuffleRng: Rng,
  config: PpoConfig,
  options: Pick<PpoIterationOptions, "transform" | "state"> = {},
): IterationContext {
  return {
    collector,
    engine: collector.engine,
    config,
    shuffleRng,
    iteration: collector.policyVersion + 1,
    numIterations: derivedSizes(config).numIterations,
    steps: (numSteps) => transitions(collector, { numSteps }).pipe(options.transform ?? identity),
    transform: options.transform ?? identity,
    state: options.state ?? new Map(),
  };
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
 * @param options A user operator on transitions, replacement stages and the run's stage state.
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
  return composeIteration(
    iterationContext(collector, shuffleRng, config, options),
    options.stages ?? {},
  );
}

/**
 * The iteration a context describes: each stage from `stages`, or the default (CleanRL's) where it is missing.
 * An iteration composer given to `train()` can call it to run the default iteration, or the default with some
 * stages replaced, around its own work.
 *
 * @param context The iteration's context (from `train()`, or {@linkcode iterationContext}).
 * @param stages Stages replacing the defaults.
 * @returns The iteration's update results; it completes after the last update.
 */
export function composeIteration(
  context: IterationContext,
  stages: PpoStages = {},
): Observable<UpdateResult> {
  const { collector, config, shuffleRng, numIterations } = context;
  let reuse = buffersByCollector.get(collector);
  if (reuse === undefined) {
    reuse = { rollout: {}, advantage: {}, minibatches: {} };
    buffersByCollector.set(collector, reuse);
  }
  const buffers = reuse;
  const collect = stages.collect?.(context) ??
    context.steps(config.numSteps).pipe(rollout({ numSteps: config.numSteps, reuse: buffers.rollout }));
  return collect.pipe(
    stages.advantage?.(context) ??
      advantage(collector.engine, {
        gamma: config.gamma,
        gaeLambda: config.gaeLambda,
        reuse: buffers.advantage,
      }),
    stages.minibatches?.(context) ??
      minibatches(shuffleRng, {
        numMinibatches: config.numMinibatches,
        updateEpochs: config.updateEpochs,
        reuse: buffers.minibatches,
      }),
    stages.update?.(context) ?? ppoUpdate(collector, {
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
