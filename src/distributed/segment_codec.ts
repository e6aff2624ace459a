/**
 * The rollout segment a worker returns: one shard's `numSteps` vector steps, its envs' states after them and the
 * action-noise generator's state, as bytes (a length-prefixed JSON header, then raw little-endian arrays), and
 * the checks that refuse a malformed or hostile one.
 *
 * @module
 */
import type { VecEnvState } from "../envs/vec_env.ts";

/** An episode that ended in a segment: its env within the shard and the step (from 0) it ended in. */
export interface SegmentEpisode {
  /** Index of the env within its shard. */
  readonly env: number;
  /** Step of the segment, from 0, in which the episode ended. */
  readonly t: number;
  /** Sum of the episode's raw rewards. */
  readonly return: number;
  /** Steps in the episode. */
  readonly length: number;
}

/** What identifies a segment: the run, iteration, policy version and shard it was collected for. */
export interface SegmentTag {
  /** The learner's run id. */
  readonly run: string;
  /** Iteration the segment belongs to, from 1. */
  readonly iteration: number;
  /** Completed policy updates of the weights that acted. */
  readonly policyVersion: number;
  /** Shard index, from 0. */
  readonly shard: number;
}

/** One shard's rollout: `[numSteps * numEnvs]` rows, step-major, as the shard's envs saw them. */
export interface Segment extends SegmentTag {
  /** Vector steps. */
  readonly numSteps: number;
  /** Envs in the shard. */
  readonly numEnvs: number;
  /** Values in one observation. */
  readonly obsDim: number;
  /** Values in one action. */
  readonly actionDim: number;
  /** `[rows * obsDim]` observations acted on. */
  readonly obs: Float32Array;
  /** `[rows * actionDim]` sampled actions. */
  readonly actions: Float32Array;
  /** `[rows]` log-probabilities of the actions. */
  readonly logProbs: Float32Array;
  /** `[rows]` critic values of `obs`. */
  readonly values: Float32Array;
  /** `[rows]` the envs' raw rewards, in float64 (the learner scales them, as the local collector does). */
  readonly rewards: Float64Array;
  /** `[rows]` 1 where the episode terminated. */
  readonly terminated: Uint8Array;
  /** `[rows]` 1 where the episode was truncated. */
  readonly truncated: Uint8Array;
  /** `[rows * obsDim]` final observations (valid where an episode ended). */
  readonly finalObs: Float32Array;
  /** `[numEnvs * obsDim]` observations after the last step. */
  readonly nextObs: Float32Array;
  /** Episodes that ended in the segment, in step then env order. */
  readonly episodes: readonly SegmentEpisode[];
  /** The shard's envs after the segment (`VecEnv.getState`). */
  readonly envStates: VecEnvState;
  /** The action-noise generator after the segment. */
  readonly rng: {
    readonly words: readonly [number, number, number, number];
    readonly spareNormal: number | null;
  };
  /** Milliseconds the worker spent stepping the segment. */
  readonly collectMs: number;
}

/** The shapes a learner expects of a shard's segment; anything else is refused. */
export interface SegmentShape extends SegmentTag {
  /** Vector steps. */
  readonly numSteps: number;
  /** Envs in the shard. */
  readonly numEnvs: number;
  /** Values in one observation. */
  readonly obsDim: number;
  /** Values in one action. */
  readonly actionDim: number;
  /** The environment id its env states must name. */
  readonly envId: string;
  /** A discrete action space's size (actions must be indices below it), or null for a continuous one. */
  readonly numActions: number | null;
}

const MAGIC = "ppo-flow/segment";

/** The arrays in the order they are stored, with their element type and length in rows. */
/**
 * The arrays in the order they are stored, with their element type and length. The final observations come
 * last, only for the rows where an episode ended (the flags before them say which).
 */
function arraysOf(s: Pick<Segment, "numSteps" | "numEnvs" | "obsDim" | "actionDim">) {
  const rows = s.numSteps * s.numEnvs;
  return [
    ["rewards", Float64Array, rows],
    ["obs", Float32Array, rows * s.obsDim],
    ["actions", Float32Array, rows * s.actionDim],
    ["logProbs", Float32Array, rows],
    ["values", Float32Array, rows],
    ["nextObs", Float32Array, s.numEnvs * s.obsDim],
    ["terminated", Uint8Array, rows],
    ["truncated", Uint8Array, rows],
  ] as const;
}

/** Rows where an episode ended: the only rows whose final observations travel. */
function doneRows(terminated: Uint8Array, truncated: Uint8Array): number[] {
  const rows: number[] = [];
  for (let i = 0; i < terminated.length; i++) if (terminated[i] || truncated[i]) rows.push(i);
  return rows;
}

/**
 * Encodes a segment: 4 bytes of header length (little-endian), the JSON header padded to 8 bytes, then the
 * arrays' raw bytes.
 *
 * @param segment The segment.
 * @returns Its bytes.
 */
export function encodeSegment(segment: Segment): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({
    kind: MAGIC,
    run: segment.run,
    iteration: segment.iteration,
    policyVersion: segment.policyVersion,
    shard: segment.shard,
    numSteps: segment.numSteps,
    numEnvs: segment.numEnvs,
    obsDim: segment.obsDim,
    actionDim: segment.actionDim,
    episodes: segment.episodes,
    envStates: segment.envStates,
    rng: segment.rng,
    collectMs: segment.collectMs,
  }));
  const start = Math.ceil((4 + header.length) / 8) * 8;
  const done = doneRows(segment.terminated, segment.truncated);
  const finalObs = new Float32Array(done.length * segment.obsDim);
  for (const [k, row] of done.entries()) {
    finalObs.set(
      segment.finalObs.subarray(row * segment.obsDim, (row + 1) * segment.obsDim),
      k * segment.obsDim,
    );
  }
  const arrays = [...arraysOf(segment).map(([name]) => segment[name]), finalObs];
  const total = arrays.reduce((sum, a) => sum + a.byteLength, start);
  const bytes = new Uint8Array(total);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(header, 4);
  let offset = start;
  for (const array of arrays) {
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset += array.byteLength;
  }
  return bytes;
}

/**
 * Decodes and checks a segment against the shape the learner expects of its shard.
 *
 * @param bytes The message's bytes.
 * @param expect Returns the expected shape for a segment's tag, or null when the learner is not waiting for it
 *   (another run, iteration or policy version): then the segment is ignored, not checked further.
 * @returns The segment, or null when it is not awaited.
 * @throws {TypeError} When the bytes are not a well-formed segment of the expected shape (the message says why).
 */
export function decodeSegment(
  bytes: Uint8Array,
  expect: (tag: SegmentTag) => SegmentShape | null,
): Segment | null {
  if (bytes.length < 4) fail("it is shorter than its header length", bytes.length);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (headerLength > bytes.length - 4) fail("its header length exceeds its size", headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(4, 4 + headerLength)),
    );
  } catch (error) {
    fail("its header is not JSON", error instanceof Error ? error.message : String(error));
  }
  if (typeof header !== "object" || header === null || header.kind !== MAGIC) {
    fail("its header is not a ppo-flow segment", describe(header));
  }
  const tag: SegmentTag = {
    run: text(header, "run"),
    iteration: count(header, "iteration"),
    policyVersion: count(header, "policyVersion"),
    shard: count(header, "shard"),
  };
  const shape = expect(tag);
  if (shape === null) return null;
  for (const key of ["numSteps", "numEnvs", "obsDim", "actionDim"] as const) {
    if (header[key] !== shape[key]) fail(`${key} must be ${shape[key]}`, header[key]);
  }
  const start = Math.ceil((4 + headerLength) / 8) * 8;
  const arrays: Record<string, Float32Array | Float64Array | Uint8Array> = {};
  let offset = start;
  const read = (
    name: string,
    Type: Float32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor,
    length: number,
  ) => {
    const size = Type.BYTES_PER_ELEMENT * length;
    if (offset + size > bytes.length) fail(`its size must be at least ${offset + size} bytes`, bytes.length);
    // A copy of its own buffer: the message's offset need not be aligned for the element type (and a Node
    // Buffer's slice would share the whole pool).
    const copy = new Uint8Array(bytes.subarray(offset, offset + size));
    offset += size;
    const array = new Type(copy.buffer);
    if (Type === Uint8Array) {
      const bad = array.findIndex((v) => v !== 0 && v !== 1);
      if (bad >= 0) fail(`${name} must hold 0 or 1`, `${array[bad]} at ${bad}`);
    } else {
      const bad = array.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) fail(`${name} must be finite`, `${array[bad]} at ${bad}`);
    }
    arrays[name] = array;
  };
  for (const [name, Type, length] of arraysOf(shape)) read(name, Type, length);
  const done = doneRows(arrays.terminated as Uint8Array, arrays.truncated as Uint8Array);
  const expectedSize = offset + done.length * shape.obsDim * 4;
  if (bytes.length !== expectedSize) fail(`its size must be ${expectedSize} bytes`, bytes.length);
  read("finalObs", Float32Array, done.length * shape.obsDim);
  const finalObs = new Float32Array(shape.numSteps * shape.numEnvs * shape.obsDim);
  for (const [k, row] of done.entries()) {
    finalObs.set(
      arrays.finalObs!.subarray(k * shape.obsDim, (k + 1) * shape.obsDim) as Float32Array,
      row * shape.obsDim,
    );
  }
  if (shape.numActions !== null) {
    const n = shape.numActions;
    const bad = arrays.actions!.findIndex((a) => !Number.isInteger(a) || a < 0 || a >= n);
    if (bad >= 0) fail(`actions must be indices below ${n}`, `${arrays.actions![bad]} at ${bad}`);
  }
  return {
    ...tag,
    numSteps: shape.numSteps,
    numEnvs: shape.numEnvs,
    obsDim: shape.obsDim,
    actionDim: shape.actionDim,
    obs: arrays.obs as Float32Array,
    actions: arrays.actions as Float32Array,
    logProbs: arrays.logProbs as Float32Array,
    values: arrays.values as Float32Array,
    rewards: arrays.rewards as Float64Array,
    terminated: arrays.terminated as Uint8Array,
    truncated: arrays.truncated as Uint8Array,
    finalObs,
    nextObs: arrays.nextObs as Float32Array,
    episodes: episodesOf(header.episodes, shape),
    envStates: envStatesOf(header.envStates, shape),
    rng: rngOf(header.rng),
    collectMs:
      typeof header.collectMs === "number" && header.collectMs >= 0 && Number.isFinite(header.collectMs)
        ? header.collectMs
        : fail("collectMs must be a finite non-negative number", header.collectMs),
  };
}

function episodesOf(value: unknown, shape: SegmentShape): SegmentEpisode[] {
  if (!Array.isArray(value)) fail("episodes must be an array", describe(value));
  return value.map((e: unknown, i) => {
    if (typeof e !== "object" || e === null) fail(`episode ${i} must be an object`, describe(e));
    const r = e as Record<string, unknown>;
    const env = count(r, "env");
    const t = count(r, "t");
    const length = count(r, "length");
    if (env >= shape.numEnvs || t >= shape.numSteps || length < 1) {
      fail(`episode ${i} must name an env, step and length of the shard`, describe(e));
    }
    if (typeof r.return !== "number" || !Number.isFinite(r.return)) {
      fail(`episode ${i}'s return must be finite`, describe(r.return));
    }
    return { env, t, return: r.return, length };
  });
}

function envStatesOf(value: unknown, shape: SegmentShape): VecEnvState {
  if (typeof value !== "object" || value === null) fail("envStates must be an object", describe(value));
  const s = value as Record<string, unknown>;
  if (s.id !== shape.envId) fail(`envStates must be of ${shape.envId}`, describe(s.id));
  for (const key of ["envs", "returns", "lengths"]) {
    const list = s[key];
    if (!Array.isArray(list) || list.length !== shape.numEnvs) {
      fail(`envStates.${key} must hold ${shape.numEnvs} entries`, describe(list));
    }
  }
  for (const key of ["returns", "lengths"]) {
    if (!(s[key] as unknown[]).every((v) => typeof v === "number" && Number.isFinite(v))) {
      fail(`envStates.${key} must be finite numbers`, describe(s[key]));
    }
  }
  return value as VecEnvState;
}

function rngOf(value: unknown): Segment["rng"] {
  if (typeof value !== "object" || value === null) fail("rng must be an object", describe(value));
  const r = value as Record<string, unknown>;
  const words = r.words;
  if (
    !Array.isArray(words) || words.length !== 4 ||
    !words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)
  ) {
    fail("rng.words must be four 32-bit unsigned integers", describe(words));
  }
  const spare = r.spareNormal;
  if (spare !== null && !(typeof spare === "number" && Number.isFinite(spare))) {
    fail("rng.spareNormal must be null or finite", describe(spare));
  }
  return { words: words as [number, number, number, number], spareNormal: spare as number | null };
}

function text(header: Record<string, unknown>, key: string): string {
  const value = header[key];
  if (typeof value !== "string" || value.length === 0 || value.length > 200) {
    fail(`${key} must be a short string`, describe(value));
  }
  return value;
}

function count(header: Record<string, unknown>, key: string): number {
  const value = header[key];
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    fail(`${key} must be a non-negative integer`, describe(value));
  }
  return value as number;
}

function describe(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function fail(why: string, value: unknown): never {
  throw new TypeError(
    `Cannot accept rollout segment as ${why}: current value is ${
      typeof value === "string" ? value : describe(value)
    }`,
  );
}
