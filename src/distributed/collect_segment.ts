/**
 * A worker's side of a rollout task: step one shard of a run's envs from the states the task carries, with the
 * weights of the version it names, exactly as the learner's collector would step those envs.
 *
 * @module
 */
import { VecEnv } from "../envs/vec_env.ts";
import { createPolicy } from "../model/create_policy.ts";
import type { EngineChoice } from "../model/engines.ts";
import { paramLayout } from "../model/param_layout.ts";
import type { PolicyEngine } from "../model/types.ts";
import { Collector, type VectorEnvironment } from "../operators/collector.ts";
import type { RolloutTask } from "./rollout_task.ts";
import type { Segment, SegmentEpisode } from "./segment_codec.ts";

/** Options of {@linkcode SegmentCollector.collect}. */
export interface CollectSegmentOptions {
  /** Called between steps at most every `heartbeatMs` (a worker tells JetStream it is still working). */
  readonly heartbeat?: () => void;
  /** Milliseconds between heartbeats. @default {1000} */
  readonly heartbeatMs?: number;
}

/**
 * Runs rollout tasks of any run and any registered env, keeping the last engine, weights and envs it built so
 * that consecutive tasks of one run rebuild nothing.
 *
 * @example
 * ```ts ignore
 * const collector = new SegmentCollector();
 * const segment = await collector.collect(task, weights);
 * await collector.dispose();
 * ```
 */
export class SegmentCollector {
  #engine: { key: string; engine: PolicyEngine; weights: string } | null = null;
  #envs: { key: string; vecEnv: VecEnv } | null = null;
  #engineOverride: EngineChoice | undefined;

  /**
   * Creates a collector that builds engines and envs on the first task.
   *
   * @param options `engine`: act on this engine instead of the one each task names (segments then match the
   *   learner's only as closely as the two engines agree).
   */
  constructor(options: { readonly engine?: EngineChoice } = {}) {
    this.#engineOverride = options.engine;
  }

  /**
   * Steps the task's shard for `numSteps` steps.
   *
   * @param task The task.
   * @param weights Returns the weights of the task's policy version (called only when they are not loaded).
   * @param options A heartbeat for long segments.
   * @returns The segment, with the envs' and generator's states after it.
   */
  async collect(
    task: RolloutTask,
    weights: () => Promise<Float32Array>,
    options: CollectSegmentOptions = {},
  ): Promise<Segment> {
    const engine = await this.#engineFor(task, weights);
    const vecEnv = this.#envsFor(task);
    const n = task.numEnvs;
    const rows = task.numSteps * n;
    const rawRewards = new Float64Array(rows);
    let t = 0;
    // The collector learns from scaled float32 rewards; the learner scales the envs' float64 ones itself.
    const recorder: VectorEnvironment = {
      numEnvs: n,
      observationSpace: vecEnv.observationSpace,
      actionSpace: vecEnv.actionSpace,
      spec: vecEnv.spec,
      reset: (o) => vecEnv.reset(o),
      step: (actions) => {
        const result = vecEnv.step(actions);
        rawRewards.set(result.rewards, t * n);
        return result;
      },
    };
    const collector = new Collector(engine, recorder, {
      clipActions: task.clipActions,
      noiseShard: { offset: task.offset, totalEnvs: task.totalEnvs },
    });
    const obs = vecEnv.setState(task.envStates).obs;
    collector.setState(
      {
        policyVersion: task.policyVersion,
        globalStep: 0,
        rng: task.rng,
        observationStats: null,
        returnStats: null,
      },
      obs,
    );
    const { obsDim, actionDim } = collector;
    const out = {
      obs: new Float32Array(rows * obsDim),
      actions: new Float32Array(rows * actionDim),
      logProbs: new Float32Array(rows),
      values: new Float32Array(rows),
      terminated: new Uint8Array(rows),
      truncated: new Uint8Array(rows),
      finalObs: new Float32Array(rows * obsDim),
    };
    const episodes: SegmentEpisode[] = [];
    const heartbeatMs = options.heartbeatMs ?? 1000;
    const started = performance.now();
    let lastBeat = performance.now();
    for (t = 0; t < task.numSteps; t++) {
      const step = await collector.step();
      out.obs.set(step.obs, t * n * obsDim);
      out.actions.set(step.actions, t * n * actionDim);
      out.logProbs.set(step.logProbs, t * n);
      out.values.set(step.values, t * n);
      out.terminated.set(step.terminated, t * n);
      out.truncated.set(step.truncated, t * n);
      // Only finished envs' final observations mean anything; the rest are zeros, not whatever the envs' buffers
      // held from an earlier task, so that a redelivered task returns the same bytes.
      for (let i = 0; i < n; i++) {
        if (step.terminated[i] || step.truncated[i]) {
          out.finalObs.set(step.finalObs.subarray(i * obsDim, (i + 1) * obsDim), (t * n + i) * obsDim);
        }
      }
      for (const e of step.episodes) episodes.push({ env: e.env, t, return: e.return, length: e.length });
      if (options.heartbeat !== undefined && performance.now() - lastBeat > heartbeatMs) {
        options.heartbeat();
        lastBeat = performance.now();
        // Lets the heartbeat leave the socket even when the engine never yields.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    const envStates = vecEnv.getState();
    if (envStates === null) {
      throw new TypeError(`Cannot collect a segment of ${task.envId} as its envs cannot save their state`);
    }
    return {
      run: task.run,
      iteration: task.iteration,
      policyVersion: task.policyVersion,
      shard: task.shard,
      numSteps: task.numSteps,
      numEnvs: n,
      obsDim,
      actionDim,
      ...out,
      rewards: rawRewards,
      nextObs: Float32Array.from(collector.observations),
      episodes,
      envStates,
      rng: collector.getState().rng,
      collectMs: performance.now() - started,
    };
  }

  async #engineFor(task: RolloutTask, weights: () => Promise<Float32Array>): Promise<PolicyEngine> {
    const engineName = this.#engineOverride ?? (task.engine as EngineChoice);
    const key = JSON.stringify([task.network, engineName]);
    const weightsKey = `${task.run}:${task.policyVersion}`;
    if (this.#engine?.key !== key) {
      await this.#engine?.engine.dispose();
      this.#engine = null;
      const layout = paramLayout(task.network);
      // Checked before anything is allocated or fetched: a task cannot make a worker build a network it
      // has no weights for, or one beyond any agent's size.
      if (layout.size > MAX_PARAMS || task.weights.bytes !== layout.size * 4) {
        throw new RangeError(
          `Cannot build the task's network as its ${layout.size} parameters (at most ${MAX_PARAMS}) must match its ${task.weights.bytes}-byte weights: current value is ${layout.size}`,
        );
      }
      const params = await weights();
      checkWeights(params, layout.size);
      const engine = await createPolicy(layout, { engine: engineName, params });
      this.#engine = { key, engine, weights: weightsKey };
    } else if (this.#engine.weights !== weightsKey) {
      const params = await weights();
      checkWeights(params, this.#engine.engine.layout.size);
      this.#engine.engine.setParams(params);
      this.#engine.weights = weightsKey;
    }
    return this.#engine.engine;
  }

  #envsFor(task: RolloutTask): VecEnv {
    const key = JSON.stringify([task.envId, task.numEnvs, task.maxEpisodeSteps]);
    if (this.#envs?.key !== key) {
      const limit = task.maxEpisodeSteps === "Infinity" ? Infinity : task.maxEpisodeSteps;
      const vecEnv = new VecEnv(task.envId, task.numEnvs, limit === null ? {} : { maxEpisodeSteps: limit });
      this.#envs = { key, vecEnv };
    }
    return this.#envs.vecEnv;
  }

  /** Frees the engine. */
  async dispose(): Promise<void> {
    await this.#engine?.engine.dispose();
    this.#engine = null;
  }
}

/** The most parameters a task's network may have (the 1M-parameter LunarLander agent, with room to spare). */
const MAX_PARAMS = 64_000_000;

function checkWeights(params: Float32Array, size: number): void {
  if (params.length !== size || !params.every(Number.isFinite)) {
    throw new TypeError(
      `Cannot act with the task's weights as they must be ${size} finite numbers: current value is ${params.length} numbers`,
    );
  }
}
