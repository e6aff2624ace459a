/**
 * A rollout task: everything a worker needs to step one shard of a run's envs for one iteration exactly as the
 * learner's own collector would have (data only: names of registered envs and engines, shapes, states).
 *
 * @module
 */
import type { VecEnvState } from "../envs/vec_env.ts";
import type { ActorCriticConfig } from "../model/types.ts";
import type { BlobRef } from "./_jetstream.ts";

/** One shard's work for one iteration. */
export interface RolloutTask {
  /** Marks the message as a rollout task. */
  readonly kind: "ppo-flow/rollout-task";
  /** The learner's run id (a subject token). */
  readonly run: string;
  /** Iteration, from 1. */
  readonly iteration: number;
  /** Completed policy updates of the weights to act with. */
  readonly policyVersion: number;
  /** Shard index, from 0. */
  readonly shard: number;
  /** First env of the shard in the run's vector. */
  readonly offset: number;
  /** Envs in the run's whole vector (the action noise is drawn for all of them). */
  readonly totalEnvs: number;
  /** Envs in this shard. */
  readonly numEnvs: number;
  /** Vector steps to take. */
  readonly numSteps: number;
  /** A registered environment id. */
  readonly envId: string;
  /** The time limit the run's envs have (null: the registered one; "Infinity": none). */
  readonly maxEpisodeSteps: number | "Infinity" | null;
  /** Clip continuous actions to the bounds when sent to the env. */
  readonly clipActions: boolean;
  /** The network. */
  readonly network: ActorCriticConfig;
  /** The engine the learner acts with: the same one gives bit-identical actions. */
  readonly engine: string;
  /** Where the weights of `policyVersion` are. */
  readonly weights: BlobRef;
  /** The shard's envs (`VecEnv.getState`) before the segment. */
  readonly envStates: VecEnvState;
  /** The action-noise generator before the segment. */
  readonly rng: {
    readonly words: readonly [number, number, number, number];
    readonly spareNormal: number | null;
  };
  /** Where the segment goes. */
  readonly resultSubject: string;
  /** Publication attempt (a learner re-publishes shards that did not come back). */
  readonly attempt: number;
}

/**
 * Parses and checks a task message (a malformed one is refused with a message naming the field).
 *
 * @param bytes The message's bytes.
 * @returns The task.
 * @throws {TypeError} When it is not a well-formed rollout task.
 */
export function parseRolloutTask(bytes: Uint8Array): RolloutTask {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    return fail("it is not JSON", error instanceof Error ? error.message : String(error));
  }
  if (
    typeof value !== "object" || value === null ||
    (value as { kind?: unknown }).kind !== "ppo-flow/rollout-task"
  ) {
    return fail("it is not a ppo-flow rollout task", JSON.stringify(value)?.slice(0, 80));
  }
  const task = value as Record<string, unknown>;
  for (
    const key of [
      "iteration",
      "policyVersion",
      "shard",
      "offset",
      "totalEnvs",
      "numEnvs",
      "numSteps",
      "attempt",
    ]
  ) {
    if (!Number.isSafeInteger(task[key]) || (task[key] as number) < 0) {
      fail(`${key} must be a non-negative integer`, task[key]);
    }
  }
  const t = value as RolloutTask;
  if (t.numEnvs < 1 || t.numSteps < 1 || t.offset + t.numEnvs > t.totalEnvs || t.totalEnvs > 1_000_000) {
    fail(
      "numEnvs, numSteps, offset and totalEnvs must describe a shard",
      `${t.offset}+${t.numEnvs}/${t.totalEnvs}`,
    );
  }
  if (t.numEnvs * t.numSteps > 10_000_000) fail("the segment must be under 10M rows", t.numEnvs * t.numSteps);
  for (const key of ["run", "envId", "engine", "resultSubject"]) {
    if (typeof task[key] !== "string" || (task[key] as string).length > 200) {
      fail(`${key} must be a string`, task[key]);
    }
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(t.run)) fail("run must be a run id", t.run);
  if (!t.resultSubject.startsWith("ppoflow.result.")) {
    fail("resultSubject must be a result subject", t.resultSubject);
  }
  const limit = t.maxEpisodeSteps;
  if (limit !== null && limit !== "Infinity" && !(Number.isSafeInteger(limit) && limit > 0)) {
    fail("maxEpisodeSteps must be null, Infinity or a positive integer", limit);
  }
  if (typeof t.clipActions !== "boolean") fail("clipActions must be a boolean", t.clipActions);
  if (typeof t.network !== "object" || t.network === null) fail("network must be an object", t.network);
  const w = t.weights as unknown as Record<string, unknown>;
  if (
    typeof w !== "object" || w === null || (w.store !== "kv" && w.store !== "obj") ||
    typeof w.key !== "string" ||
    !Number.isSafeInteger(w.bytes) || !Number.isSafeInteger(w.crc)
  ) {
    fail("weights must reference a blob", w);
  }
  const s = t.envStates as unknown as Record<string, unknown>;
  if (typeof s !== "object" || s === null || !Array.isArray(s.envs) || s.envs.length !== t.numEnvs) {
    fail(`envStates must hold ${t.numEnvs} envs`, s);
  }
  const words = t.rng?.words;
  if (
    !Array.isArray(words) || words.length !== 4 ||
    !words.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)
  ) {
    fail("rng.words must be four 32-bit unsigned integers", words);
  }
  return t;
}

function fail(why: string, value: unknown): never {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  throw new TypeError(
    `Cannot accept rollout task as ${why}: current value is ${
      text.length > 80 ? `${text.slice(0, 77)}...` : text
    }`,
  );
}
