/**
 * The learner's side of distributed rollouts: a collection stage for `train()` whose rollout comes from rollout
 * workers over NATS JetStream instead of the learner's own envs.
 *
 * @module
 */
import { type ConsumerMessages, DeliverPolicy } from "@nats-io/jetstream";
import {
  asyncScheduler,
  concatMap,
  defer,
  filter,
  finalize,
  from,
  ignoreElements,
  map,
  merge,
  observeOn,
  Subject,
  take,
  tap,
  timer,
  toArray,
} from "rxjs";
import type { Observable } from "../_rxjs.ts";
import { VecEnv, type VecEnvState } from "../envs/vec_env.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import { rollout } from "../operators/rollout.ts";
import type { EpisodeResult, Rollout, StepBatch } from "../operators/types.ts";
import type { IterationContext } from "../train/ppo_iteration.ts";
import type { NatsConnection } from "./connect_nats.ts";
import {
  type BlobRef,
  checkRunId,
  JetStreamResources,
  RESULT_STREAM,
  resultSubject,
  taskSubject,
} from "./_jetstream.ts";
import { readResult } from "./_results.ts";
import type { RolloutTask } from "./rollout_task.ts";
import { decodeSegment, type Segment, type SegmentShape, type SegmentTag } from "./segment_codec.ts";

/** Options of {@linkcode RemoteRollout.open}. */
export interface RemoteRolloutOptions {
  /** Shards the run's `numEnvs` envs are split into, one task each per iteration. */
  readonly shards: number;
  /** The run's id in subjects and keys. @default {a random id} */
  readonly runId?: string;
  /**
   * Milliseconds to wait for the missing shards of an iteration before publishing their tasks again (JetStream
   * already redelivers a task whose worker stopped heartbeating; this covers a task lost with its server).
   * @default {60000}
   */
  readonly shardTimeoutMs?: number;
  /** Publications of a shard's task before the run fails naming the missing shards. @default {5} */
  readonly maxAttempts?: number;
  /** Told about refused results and re-published tasks. @default {console.warn} */
  readonly onWarning?: (message: string) => void;
}

/** What crossed the network, for the benchmark and the logs. */
export interface RemoteRolloutStats {
  /** Iterations gathered. */
  iterations: number;
  /** Bytes of tasks and weights published. */
  bytesOut: number;
  /** Bytes of results received (accepted or not), with segments fetched from the Object Store. */
  bytesIn: number;
  /** Milliseconds from the start of each iteration's collection to its rollout, summed. */
  collectMs: number;
  /** The slowest shard's stepping time per iteration, summed (the rest of `collectMs` is distribution). */
  workerMs: number;
  /** Results of another iteration or policy version, ignored. */
  stale: number;
  /** Second results for a shard already gathered, ignored. */
  duplicates: number;
  /** Malformed results, refused with a warning. */
  rejected: number;
  /** Tasks published again after `shardTimeoutMs`. */
  republished: number;
}

const DISCOUNTED_RETURNS_KEY = "distributed/discountedReturns";

/**
 * The remote rollout source: `train(config, { stages: { collect: remote.collect } })` trains on segments that
 * rollout workers (`deno task worker`) collect, and trains exactly as a local run of the same seed and config:
 * each task carries its shard's env states and the action-noise generator's state, workers draw the whole
 * vector's noise and use their slice, and the learner scales rewards itself, step by step, as its collector
 * would. Only observation normalisation cannot be distributed this way (each step's normalised observations
 * depend on every env's observations before it), so it is refused.
 *
 * It's like the default `rollout` stage, but its step batches come from a JetStream subscription:
 *
 * ```
 * tasks:    --t0--t1-------------------------------
 * results:  -------s1--s1(dup)--s0(stale)--s0-|
 * collect:  ----------------------------------r-|
 * ```
 *
 * @example
 * ```ts ignore
 * const remote = await RemoteRollout.open(await connectNats({ url }), { shards: 2 });
 * const run = await train({ envId: "CartPole-v1" }, { stages: { collect: remote.collect } });
 * await run.done;
 * await remote.close();
 * ```
 */
export class RemoteRollout {
  /** The run id in subjects and keys. */
  readonly runId: string;
  /** Shards per iteration. */
  readonly shards: number;
  /** Traffic and refusals so far. */
  readonly stats: RemoteRolloutStats = {
    iterations: 0,
    bytesOut: 0,
    bytesIn: 0,
    collectMs: 0,
    workerMs: 0,
    stale: 0,
    duplicates: 0,
    rejected: 0,
    republished: 0,
  };
  #resources: JetStreamResources;
  /** The awaited iteration's segments, checked and decoded. */
  #feed = new Subject<Segment>();
  /** The shape of each awaited segment, while an iteration is being gathered. */
  #awaiting: ((tag: SegmentTag) => SegmentShape | null) | null = null;
  #stopFeed: () => Promise<void>;
  #timeoutMs: number;
  #maxAttempts: number;
  #warn: (message: string) => void;
  #weights: { version: number; ref: BlobRef } | null = null;
  #scratch = new Map<string, VecEnv>();
  #reuse: { rollout?: Rollout } = {};

  private constructor(
    resources: JetStreamResources,
    runId: string,
    options: RemoteRolloutOptions,
    stopFeed: () => Promise<void>,
  ) {
    this.#resources = resources;
    this.runId = runId;
    this.shards = options.shards;
    this.#timeoutMs = options.shardTimeoutMs ?? 60_000;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#warn = options.onWarning ?? ((message: string) => console.warn(message));
    this.#stopFeed = stopFeed;
  }

  /**
   * Creates the streams if missing and starts listening for the run's results.
   *
   * @param nc A NATS connection (the caller closes it after {@linkcode RemoteRollout.close}).
   * @param options Shards, run id and timeouts.
   */
  static async open(nc: NatsConnection, options: RemoteRolloutOptions): Promise<RemoteRollout> {
    if (!Number.isInteger(options.shards) || options.shards < 1) {
      throw new RangeError(
        `Cannot distribute rollouts as shards must be a positive integer: current value is ${options.shards}`,
      );
    }
    const runId = checkRunId(options.runId ?? crypto.randomUUID().replaceAll("-", "").slice(0, 16));
    const resources = await JetStreamResources.open(nc);
    let remote: RemoteRollout | null = null;
    const current: { messages?: ConsumerMessages; pump?: Promise<void> } = {};
    const listen = async () => {
      const consumer = await resources.js.consumers.get(RESULT_STREAM, {
        filter_subjects: resultSubject(runId),
        deliver_policy: DeliverPolicy.All,
      });
      const messages = await consumer.consume();
      // One message at a time, in stream order; between iterations every result is stale or malformed.
      const pump = (async () => {
        for await (const msg of messages) await remote!.#accept(msg.data);
      })().catch(() => {});
      current.messages = messages;
      current.pump = pump;
    };
    await listen();
    let closed = false;
    void (async () => {
      for await (const status of nc.status()) {
        if (closed) break;
        if (status.type !== "reconnect") continue;
        // A restarted server can come back without its last unflushed messages and hand their sequence numbers
        // to new ones, which an ordered consumer skips as already seen: read the run's results again from the
        // start (the stale and duplicate ones among them are ignored).
        await current.messages?.close();
        while (!closed && !nc.isClosed()) {
          try {
            await listen();
            break;
          } catch (error) {
            remote!.#warn(
              `ppo-flow: cannot resubscribe to results after a reconnect (${message(error)}); retrying`,
            );
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        }
      }
    })();
    remote = new RemoteRollout(resources, runId, options, async () => {
      closed = true;
      await current.messages?.close();
      await current.pump;
    });
    return remote;
  }

  /** The collection stage: pass it as `stages.collect` to `train()` or `composeIteration`. */
  readonly collect = (context: IterationContext): Observable<Rollout> => {
    const { collector, config } = context;
    if (config.normalizeObservation) {
      throw new TypeError(
        "Cannot distribute rollouts with normalizeObservation as each step's normalised observations depend on " +
          "every env's observations so far, which no shard sees: current value is true",
      );
    }
    const vecEnv = collector.vecEnv;
    if (!(vecEnv instanceof VecEnv)) {
      throw new TypeError(
        "Cannot distribute rollouts of a user-defined vector env as workers only make registered envs: current value is " +
          (vecEnv.spec?.id ?? "unnamed"),
      );
    }
    const n = collector.numEnvs;
    if (this.shards > n) {
      throw new RangeError(
        `Cannot split ${n} envs into shards as shards must be at most numEnvs: current value is ${this.shards}`,
      );
    }
    return defer(async () => {
      const started = performance.now();
      const tasks = await this.#tasks(context, vecEnv);
      return { started, tasks };
    }).pipe(
      concatMap(({ started, tasks }) =>
        this.#gather(context, tasks).pipe(map((segments) => ({ started, tasks, segments })))
      ),
      concatMap(({ started, tasks, segments }) => {
        const steps = this.#steps(context, vecEnv, tasks, segments);
        this.stats.iterations++;
        this.stats.collectMs += performance.now() - started;
        this.stats.workerMs += Math.max(...segments.map((s) => s.collectMs));
        return from(steps).pipe(
          context.transform,
          rollout({ numSteps: config.numSteps, reuse: this.#reuse }),
        );
      }),
    );
  };

  /** Publishes the current weights (once per version) and builds the iteration's tasks. */
  async #tasks(context: IterationContext, vecEnv: VecEnv): Promise<RolloutTask[]> {
    const { collector, config } = context;
    const version = collector.policyVersion;
    if (this.#weights?.version !== version) {
      const params = collector.engine.getParams();
      const bytes = new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
      const previous = this.#weights;
      const ref = await this.#retrying(
        `publish the weights of policy version ${version}`,
        () => this.#resources.putBlob(`weights.${this.runId}.v${version}`, bytes),
      );
      this.stats.bytesOut += bytes.length;
      this.#weights = { version, ref };
      if (previous !== null) await this.#resources.deleteBlob(previous.ref);
    }
    const state = vecEnv.getState();
    if (state === null) {
      throw new TypeError(
        `Cannot distribute rollouts of ${vecEnv.spec.id} as its envs cannot save their state: current value is null`,
      );
    }
    const n = collector.numEnvs;
    const rng = collector.getState().rng;
    return shardRanges(n, this.shards).map(([offset, size], shard) => ({
      kind: "ppo-flow/rollout-task",
      run: this.runId,
      iteration: context.iteration,
      policyVersion: version,
      shard,
      offset,
      totalEnvs: n,
      numEnvs: size,
      numSteps: config.numSteps,
      envId: vecEnv.spec.id,
      maxEpisodeSteps: config.maxEpisodeSteps === Infinity ? "Infinity" : config.maxEpisodeSteps,
      clipActions: config.clipActions,
      network: collector.engine.layout.config,
      engine: collector.engine.engine,
      weights: this.#weights!.ref,
      envStates: {
        id: state.id,
        envs: state.envs.slice(offset, offset + size),
        returns: state.returns.slice(offset, offset + size),
        lengths: state.lengths.slice(offset, offset + size),
      },
      rng,
      resultSubject: resultSubject(this.runId),
      attempt: 0,
    }));
  }

  /** Retries `action` once a second while the server is away (a restart), then fails naming the server. */
  async #retrying<T>(what: string, action: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + this.#timeoutMs * this.#maxAttempts;
    for (;;) {
      try {
        return await action();
      } catch (error) {
        if (performance.now() > deadline) {
          throw new Error(
            `Cannot ${what} to the NATS server at ${this.#resources.nc.getServer()}: ${message(error)} ` +
              "(the run's latest checkpoint continues it with --resume)",
            { cause: error },
          );
        }
        this.#warn(`ppo-flow: cannot ${what} (${message(error)}); retrying in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  async #publish(tasks: readonly RolloutTask[], attempt: number): Promise<void> {
    for (const task of tasks) {
      const bytes = new TextEncoder().encode(JSON.stringify({ ...task, attempt }));
      try {
        await this.#resources.js.publish(taskSubject(this.runId), bytes, {
          msgID: `${task.run}.${task.iteration}.${task.policyVersion}.${task.shard}.${attempt}`,
        });
        this.stats.bytesOut += bytes.length;
      } catch (error) {
        // The retry timer publishes it again; a server back within the attempts loses nothing.
        this.#warn(
          `ppo-flow: cannot publish the task of shard ${task.shard} (iteration ${task.iteration}): ${
            message(error)
          }`,
        );
      }
    }
  }

  /** Exactly one segment per shard of this iteration and policy version, re-publishing missing shards. */
  #gather(context: IterationContext, tasks: readonly RolloutTask[]): Observable<Segment[]> {
    const version = context.collector.policyVersion;
    const shapes = tasks.map((task): SegmentShape => ({
      run: task.run,
      iteration: task.iteration,
      policyVersion: task.policyVersion,
      shard: task.shard,
      numSteps: task.numSteps,
      numEnvs: task.numEnvs,
      obsDim: context.collector.obsDim,
      actionDim: context.collector.actionDim,
      envId: task.envId,
      numActions: context.collector.vecEnv.actionSpace.kind === "discrete"
        ? context.collector.vecEnv.actionSpace.n
        : null,
    }));
    const expect = (tag: SegmentTag): SegmentShape | null => {
      const awaited = tag.run === this.runId && tag.iteration === context.iteration &&
        tag.policyVersion === version && tag.shard < shapes.length;
      return awaited ? shapes[tag.shard]! : null;
    };
    return defer(() => {
      const received = new Map<number, Segment>();
      this.#awaiting = expect;
      const results$ = this.#feed.pipe(
        filter((segment) => {
          if (received.has(segment.shard)) this.stats.duplicates++;
          return !received.has(segment.shard);
        }),
        tap((segment) => received.set(segment.shard, segment)),
      );
      const publish$ = defer(() => from(this.#publish(tasks, 0))).pipe(ignoreElements());
      const retry$ = timer(this.#timeoutMs, this.#timeoutMs).pipe(
        concatMap(async (k) => {
          const missing = tasks.filter((task) => !received.has(task.shard));
          const names = missing.map((task) => task.shard).join(", ");
          if (k + 2 > this.#maxAttempts) {
            throw new Error(
              `Cannot collect iteration ${context.iteration} as shards ${names} of run ${this.runId} did not ` +
                `return after ${this.#maxAttempts} publications ${this.#timeoutMs} ms apart: are rollout workers ` +
                `running (deno task worker --nats <url>) and serving ${tasks[0]!.envId}?`,
            );
          }
          this.stats.republished += missing.length;
          this.#warn(
            `ppo-flow: shards ${names} of iteration ${context.iteration} did not return in ${this.#timeoutMs} ms; publishing them again`,
          );
          await this.#publish(missing, k + 1);
        }),
        ignoreElements(),
      );
      return merge(results$, publish$, retry$).pipe(
        take(tasks.length),
        finalize(() => {
          this.#awaiting = null;
        }),
        toArray(),
        // The iteration continues on its own macrotask, not inside the message pump that completed it.
        observeOn(asyncScheduler),
        map((segments) => segments.sort((a, b) => a.shard - b.shard)),
      );
    });
  }

  /** Checks one result message: the awaited iteration's segments go to the feed, the rest are counted. */
  async #accept(payload: Uint8Array): Promise<void> {
    this.stats.bytesIn += payload.length;
    try {
      const segment = await this.#decode(payload, this.#awaiting ?? (() => null));
      if (segment === null) this.stats.stale++;
      else this.#feed.next(segment);
    } catch (error) {
      this.stats.rejected++;
      this.#warn(`ppo-flow: refused a rollout result: ${message(error)}`);
    }
  }

  async #decode(
    payload: Uint8Array,
    expect: (tag: SegmentTag) => SegmentShape | null,
  ): Promise<Segment | null> {
    const { bytes, ref } = await readResult(this.#resources, payload);
    // A segment too large for one message crossed the network through the Object Store.
    if (ref !== null) this.stats.bytesIn += bytes.length;
    const segment = decodeSegment(bytes, expect);
    if (ref !== null) await this.#resources.deleteBlob(ref);
    if (segment === null) return null;
    // The learner will restore these states: refuse now what its envs would refuse then.
    const key = `${segment.envStates.id}:${segment.numEnvs}`;
    let scratch = this.#scratch.get(key);
    if (scratch === undefined) {
      scratch = new VecEnv(segment.envStates.id, segment.numEnvs);
      this.#scratch.set(key, scratch);
    }
    scratch.setState(segment.envStates);
    return segment;
  }

  /**
   * Moves the learner's envs and collector to where the shards ended and returns the iteration's step batches,
   * with rewards scaled as the local collector scales them.
   */
  #steps(
    context: IterationContext,
    vecEnv: VecEnv,
    tasks: readonly RolloutTask[],
    segments: readonly Segment[],
  ): StepBatch[] {
    const { collector, config } = context;
    const n = collector.numEnvs;
    const T = config.numSteps;
    const { obsDim, actionDim } = collector;
    const rows = T * n;
    const merged = {
      obs: new Float32Array(rows * obsDim),
      actions: new Float32Array(rows * actionDim),
      logProbs: new Float32Array(rows),
      values: new Float32Array(rows),
      raw: new Float64Array(rows),
      terminated: new Uint8Array(rows),
      truncated: new Uint8Array(rows),
      finalObs: new Float32Array(rows * obsDim),
      nextObs: new Float32Array(n * obsDim),
    };
    const episodesAt: EpisodeResult[][] = Array.from({ length: T }, () => []);
    const start = collector.globalStep;
    for (const segment of segments) {
      const { offset, numEnvs: m } = tasks[segment.shard]!;
      for (let t = 0; t < T; t++) {
        const copy = (to: Float32Array | Float64Array | Uint8Array, from: typeof to, width: number) =>
          to.set(from.subarray(t * m * width, (t + 1) * m * width), (t * n + offset) * width);
        copy(merged.obs, segment.obs, obsDim);
        copy(merged.actions, segment.actions, actionDim);
        copy(merged.logProbs, segment.logProbs, 1);
        copy(merged.values, segment.values, 1);
        copy(merged.raw, segment.rewards, 1);
        copy(merged.terminated, segment.terminated, 1);
        copy(merged.truncated, segment.truncated, 1);
        copy(merged.finalObs, segment.finalObs, obsDim);
      }
      merged.nextObs.set(segment.nextObs, offset * obsDim);
      for (const e of segment.episodes) {
        episodesAt[e.t]!.push({
          env: offset + e.env,
          return: e.return,
          length: e.length,
          globalStep: start + (e.t + 1) * n,
        });
      }
    }
    const rewards = this.#scaleRewards(context, merged.raw, merged.terminated);
    const envStates: VecEnvState = {
      id: vecEnv.spec.id,
      envs: segments.flatMap((s) => s.envStates.envs),
      returns: segments.flatMap((s) => s.envStates.returns),
      lengths: segments.flatMap((s) => s.envStates.lengths),
    };
    const obs = vecEnv.setState(envStates).obs;
    collector.setState({ ...collector.getState(), globalStep: start + rows, rng: segments[0]!.rng }, obs);
    return Array.from({ length: T }, (_, t): StepBatch => {
      const slice = <A extends Float32Array | Uint8Array>(array: A, width: number) =>
        array.subarray(t * n * width, (t + 1) * n * width) as A;
      return {
        numEnvs: n,
        obsDim,
        actionDim,
        obs: slice(merged.obs, obsDim),
        actions: slice(merged.actions, actionDim),
        logProbs: slice(merged.logProbs, 1),
        values: slice(merged.values, 1),
        rewards: slice(rewards, 1),
        terminated: slice(merged.terminated, 1),
        truncated: slice(merged.truncated, 1),
        finalObs: slice(merged.finalObs, obsDim),
        nextObs: t + 1 < T ? merged.obs.subarray((t + 1) * n * obsDim, (t + 2) * n * obsDim) : merged.nextObs,
        episodes: episodesAt[t]!.sort((a, b) => a.env - b.env),
        policyVersion: collector.policyVersion,
        globalStep: start + t * n,
      };
    });
  }

  /** The local collector's reward scaling, replayed step by step over the whole vector. */
  #scaleRewards(context: IterationContext, raw: Float64Array, terminated: Uint8Array): Float32Array {
    const { collector, config } = context;
    const n = collector.numEnvs;
    const rewards = new Float32Array(raw.length);
    const factor = config.rewardScale;
    const stats = collector.returnStats;
    if (stats === null) {
      for (let i = 0; i < raw.length; i++) rewards[i] = factor * raw[i]!;
      return rewards;
    }
    const saved = context.state.get(DISCOUNTED_RETURNS_KEY);
    const discounted = Float64Array.from(
      Array.isArray(saved) ? (saved as number[]) : new Array<number>(n).fill(0),
    );
    const clip = 10;
    for (let t = 0; t < config.numSteps; t++) {
      for (let i = 0; i < n; i++) {
        discounted[i] = discounted[i]! * config.gamma * (1 - terminated[t * n + i]!) + raw[t * n + i]!;
      }
      stats.update(discounted, n);
      const scale = Math.sqrt(stats.var[0]! + 1e-8);
      for (let i = 0; i < n; i++) {
        rewards[t * n + i] = factor * Math.min(Math.max(raw[t * n + i]! / scale, -clip), clip);
      }
    }
    context.state.set(DISCOUNTED_RETURNS_KEY, Array.from(discounted) as JsonValue);
    return rewards;
  }

  /** Stops listening and deletes the run's weights (the connection stays open). */
  async close(): Promise<void> {
    this.#feed.complete();
    await this.#stopFeed();
    if (this.#weights !== null) await this.#resources.deleteBlob(this.#weights.ref);
  }
}

/** `[offset, size]` of each shard: sizes differ by at most one, the larger first. */
export function shardRanges(numEnvs: number, shards: number): [number, number][] {
  const base = Math.floor(numEnvs / shards);
  const extra = numEnvs % shards;
  const ranges: [number, number][] = [];
  let offset = 0;
  for (let s = 0; s < shards; s++) {
    const size = base + (s < extra ? 1 : 0);
    ranges.push([offset, size]);
    offset += size;
  }
  return ranges;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
