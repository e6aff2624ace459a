/**
 * A rollout worker: pulls rollout tasks (and, when asked, sweep trials) from JetStream work queues, runs them
 * and stores their results before acknowledging them.
 *
 * @module
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { EngineChoice } from "../model/engines.ts";
import type { NatsConnection } from "./connect_nats.ts";
import {
  JetStreamResources,
  TASK_CONSUMER,
  TASK_STREAM,
  TRIAL_CONSUMER,
  TRIAL_STREAM,
} from "./_jetstream.ts";
import { SegmentCollector } from "./collect_segment.ts";
import { parseRolloutTask, type RolloutTask } from "./rollout_task.ts";
import { encodeSegment } from "./segment_codec.ts";
import { publishResult } from "./_results.ts";
import { parseTrial, runTrial, type SweepTrial } from "./sweep_trial.ts";

/** Options of {@linkcode startRolloutWorker}. */
export interface RolloutWorkerOptions {
  /** Milliseconds a task may go unacknowledged (without heartbeat) before JetStream redelivers it. @default {10000} */
  readonly ackWaitMs?: number;
  /** Act on this engine instead of the one each task names. @default {the task's engine} */
  readonly engine?: EngineChoice;
  /** Told about refused tasks and lost connections. @default {console.warn} */
  readonly onWarning?: (message: string) => void;
  /** Told about every task done. */
  readonly onTask?: (task: RolloutTask, ms: number) => void;
  /**
   * Where sweep trials' run directories go, or null to serve rollout tasks only. @default {"runs/trials"}
   */
  readonly trialsDir?: string | null;
  /** Told about every trial started and ended. */
  readonly onTrial?: (
    trial: SweepTrial,
    event: "started" | "done" | "interrupted",
    resumedFrom: number,
  ) => void;
}

/** A running worker. */
export interface RolloutWorker {
  /** Tasks completed. */
  readonly tasksDone: number;
  /** Resolves when the worker has stopped (after `stop()`). */
  readonly done: Promise<void>;
  /** Finishes the task in hand and stops pulling. */
  stop(): Promise<void>;
}

/**
 * Starts a rollout worker on a connection: it serves any run and any registered env id; a task is data only
 * (env ids, engine names, shapes, states, a weights reference), never code.
 *
 * @param nc The NATS connection.
 * @param options Ack wait, engine override and reporting.
 * @returns The running worker.
 *
 * @example
 * ```ts ignore
 * const worker = await startRolloutWorker(await connectNats({ url: "nats://127.0.0.1:4222" }));
 * await worker.stop();
 * ```
 */
export async function startRolloutWorker(
  nc: NatsConnection,
  options: RolloutWorkerOptions = {},
): Promise<RolloutWorker> {
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const ackWaitMs = options.ackWaitMs ?? 10_000;
  const resources = await JetStreamResources.open(nc);
  await resources.ensureWorkConsumer(TASK_STREAM, TASK_CONSUMER, ackWaitMs);
  const collector = new SegmentCollector(options.engine === undefined ? {} : { engine: options.engine });
  let stopping = false;
  let tasksDone = 0;
  const loop = async () => {
    while (!stopping && !nc.isClosed()) {
      let msg: JsMsg | null;
      try {
        const consumer = await resources.js.consumers.get(TASK_STREAM, TASK_CONSUMER);
        msg = await consumer.next({ expires: 1000 });
      } catch (error) {
        if (stopping || nc.isClosed()) break;
        warn(`ppo-flow worker: cannot pull a task (${message(error)}); retrying in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (msg === null) continue;
      await handle(msg);
    }
  };
  const handle = async (msg: JsMsg) => {
    let task: RolloutTask;
    try {
      task = parseRolloutTask(msg.data);
    } catch (error) {
      warn(`ppo-flow worker: refused a task on ${msg.subject}: ${message(error)}`);
      msg.term();
      return;
    }
    const started = performance.now();
    try {
      const segment = await collector.collect(
        task,
        async () => {
          const bytes = await resources.getBlob(task.weights);
          return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        },
        { heartbeat: () => msg.working(), heartbeatMs: ackWaitMs / 4 },
      );
      try {
        await publishResult(resources, task, encodeSegment(segment));
      } catch (error) {
        // The server is away (a restart): the task goes back to the queue for whoever is connected next.
        warn(
          `ppo-flow worker: cannot store the segment of shard ${task.shard} (${
            message(error)
          }); task released`,
        );
        msg.nak(1000);
        return;
      }
      // Acknowledged only once the segment is stored: a worker killed before this leaves the task redelivered.
      await msg.ackAck();
      tasksDone++;
      options.onTask?.(task, performance.now() - started);
    } catch (error) {
      warn(
        `ppo-flow worker: task ${task.run} iteration ${task.iteration} shard ${task.shard} failed: ${
          message(error)
        }`,
      );
      // A task that cannot run here (unknown env, weights gone) would fail on every worker.
      msg.term();
    }
  };
  const trialsDir = options.trialsDir === undefined ? "runs/trials" : options.trialsDir;
  const interrupt = new AbortController();
  const trialLoop = async () => {
    if (trialsDir === null) return;
    await resources.ensureTrialStreams();
    await resources.ensureWorkConsumer(TRIAL_STREAM, TRIAL_CONSUMER, ackWaitMs);
    while (!stopping && !nc.isClosed()) {
      let msg: JsMsg | null;
      try {
        msg = await (await resources.js.consumers.get(TRIAL_STREAM, TRIAL_CONSUMER)).next({ expires: 1000 });
      } catch (error) {
        if (stopping || nc.isClosed()) break;
        warn(`ppo-flow worker: cannot pull a trial (${message(error)}); retrying in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (msg === null) continue;
      let trial: SweepTrial;
      try {
        trial = parseTrial(msg.data);
      } catch (error) {
        warn(`ppo-flow worker: refused a trial on ${msg.subject}: ${message(error)}`);
        msg.term();
        continue;
      }
      try {
        options.onTrial?.(trial, "started", 0);
        const { resumedFrom, interrupted } = await runTrial(resources, trial, msg, {
          runsDir: trialsDir,
          signal: interrupt.signal,
        });
        if (interrupted) {
          // Its checkpoint is uploaded: the next worker continues it.
          msg.nak();
          options.onTrial?.(trial, "interrupted", resumedFrom);
        } else {
          await msg.ackAck();
          options.onTrial?.(trial, "done", resumedFrom);
        }
      } catch (error) {
        warn(`ppo-flow worker: trial ${trial.sweep} ${trial.index} failed: ${message(error)}`);
        msg.term();
      }
    }
  };
  const done = Promise.all([loop(), trialLoop()]).then(() => {}).finally(() => collector.dispose());
  return {
    get tasksDone() {
      return tasksDone;
    },
    done,
    stop() {
      stopping = true;
      interrupt.abort();
      return done;
    },
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
