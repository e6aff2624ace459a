import type { Box } from "./box.ts";
import type { BufferedEnv, EnvState, StepOutput } from "./buffered_env.ts";
import type { EnvDefinition } from "./define_env.ts";
import { make, type MakeOptions } from "./make.ts";
import type { EnvSpec, Space } from "./types.ts";
import { EnvError } from "./env_error.ts";
import { describe } from "./_describe.ts";

/** Options of {@linkcode VecEnv}: `make`'s options plus the seed. */
export interface VecEnvOptions extends MakeOptions {
  /**
   * On the first reset, environment `i` is seeded with `seed + i`, so the same seed replays the same episodes.
   * An integer in [0, 2^31 - 1], so that no two environments get the same seed.
   * @default {undefined} (each environment seeds itself from system entropy)
   */
  seed?: number;
}

/** One finished episode, as reported by {@linkcode VecEnv.step}. */
export interface EpisodeRecord {
  /** Index of the environment that finished it. */
  readonly env: number;
  /** Undiscounted sum of its rewards. */
  readonly return: number;
  /** Number of steps. */
  readonly length: number;
  /** Whether it ended by truncation (time limit) rather than termination. */
  readonly truncated: boolean;
}

/**
 * The outcome of one {@linkcode VecEnv.step}, struct-of-arrays over the `numEnvs` environments. The buffers
 * (and this object) belong to the `VecEnv` and are overwritten by its next `step` or `reset`: copy what you
 * keep.
 */
export interface VecStepResult {
  /** `numEnvs x obsDim` observations; a finished environment's slot already holds its reset observation. */
  readonly obs: Float32Array;
  /** Reward of each environment's step. */
  readonly rewards: Float64Array;
  /** 1 where the episode reached a terminal state (do not bootstrap). */
  readonly terminated: Uint8Array;
  /** 1 where the episode was cut, e.g. by the time limit (bootstrap from `finalObs`). */
  readonly truncated: Uint8Array;
  /** 1 where the episode ended either way: `terminated | truncated`. */
  readonly done: Uint8Array;
  /** `numEnvs x obsDim`: the last observation of each finished episode, valid only where `done` is 1. */
  readonly finalObs: Float32Array;
  /** The episodes that ended in this step, in environment order; the same empty array when none did. */
  readonly episodes: readonly EpisodeRecord[];
}

/** A JSON-serialisable snapshot of a {@linkcode VecEnv}, from {@linkcode VecEnv.getState}. */
export interface VecEnvState {
  /** The environment id, checked on restore. */
  readonly id: string;
  /** One snapshot per environment. */
  readonly envs: readonly EnvState[];
  /** Return so far of each environment's current episode. */
  readonly returns: readonly number[];
  /** Length so far of each environment's current episode. */
  readonly lengths: readonly number[];
}

interface MutableVecStepResult extends VecStepResult {
  episodes: readonly EpisodeRecord[];
}

const NO_EPISODES: readonly EpisodeRecord[] = Object.freeze([]);

/** The largest seed: environment `i` gets `seed + i`, which must stay an exact, distinct integer. */
const MAX_SEED = 2 ** 31 - 1;

/**
 * Steps `numEnvs` copies of an environment with one call, Gymnasium's `SyncVectorEnv` with same-step autoreset:
 * when an episode ends, its final observation goes to `finalObs`, its return and length to `episodes`, and the
 * environment is reset at once, so `obs` always holds the observations to act on next.
 *
 * Observations and actions are flat typed arrays (`numEnvs x obsDim`, `numEnvs x actionDim`) and every output
 * buffer is reused from step to step: a step allocates nothing except the records of episodes that ended.
 *
 * @example Random actions on 4 CartPoles
 * ```ts
 * import { VecEnv } from "./vec_env.ts";
 * import { Rng } from "../core/rng.ts";
 * import assert from "node:assert/strict";
 *
 * const envs = new VecEnv("CartPole-v1", 4, { seed: 1 });
 * const { obs } = envs.reset();
 * assert.equal(obs.length, 4 * envs.obsDim);
 * const rng = new Rng(0);
 * const actions = new Float32Array(envs.numEnvs);
 * let finished = 0;
 * for (let t = 0; t < 100; t++) {
 *   for (let i = 0; i < actions.length; i++) actions[i] = rng.integer(2);
 *   const step = envs.step(actions);
 *   for (const episode of step.episodes) {
 *     assert.equal(step.done[episode.env], 1);
 *     finished++;
 *   }
 * }
 * assert.ok(finished > 4); // random CartPole episodes last about 20 steps
 * ```
 */
export class VecEnv {
  /** Number of environments. */
  readonly numEnvs: number;
  /** Number of values in one observation. */
  readonly obsDim: number;
  /** Number of action values per environment: 1 for a `Discrete` space, the size of a `Box`. */
  readonly actionDim: number;
  /** The observation space of each environment. */
  readonly observationSpace: Box;
  /** The action space of each environment. */
  readonly actionSpace: Space;
  /** The spec of each environment, time limit included. */
  readonly spec: EnvSpec;
  #envs: BufferedEnv[];
  #seed: number | undefined;
  #ready = false;
  #obs: Float32Array;
  #returns: Float64Array;
  #lengths: Float64Array;
  #out: StepOutput;
  #result: MutableVecStepResult;

  /**
   * Creates `numEnvs` independent copies of an environment, each with its time limit; call `reset` first.
   *
   * @param env A registered id (`"CartPole-v1"`) or a `defineEnv` definition.
   * @param numEnvs How many copies to step, a positive integer.
   * @param options `make`'s options and the seed.
   * @throws {RangeError} When `numEnvs` is not a positive integer, `seed` is not an integer in [0, 2^31 - 1], or
   *   `make` rejects `env`.
   */
  constructor(env: string | EnvDefinition, numEnvs: number, options: VecEnvOptions = {}) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RangeError(
        `Cannot create VecEnv as numEnvs must be a positive integer: current value is ${describe(numEnvs)}`,
      );
    }
    const { seed, ...makeOptions } = options;
    checkSeed("create", seed);
    this.#envs = Array.from({ length: numEnvs }, () => make(env, makeOptions));
    const first = this.#envs[0]!;
    this.numEnvs = numEnvs;
    this.observationSpace = first.observationSpace;
    this.actionSpace = first.actionSpace;
    this.spec = first.spec;
    this.obsDim = this.observationSpace.size;
    this.actionDim = this.actionSpace.kind === "discrete" ? 1 : this.actionSpace.size;
    this.#seed = seed;
    this.#obs = new Float32Array(numEnvs * this.obsDim);
    this.#returns = new Float64Array(numEnvs);
    this.#lengths = new Float64Array(numEnvs);
    this.#out = { obs: this.#obs, offset: 0, reward: 0, terminated: false, truncated: false };
    this.#result = {
      obs: this.#obs,
      rewards: new Float64Array(numEnvs),
      terminated: new Uint8Array(numEnvs),
      truncated: new Uint8Array(numEnvs),
      done: new Uint8Array(numEnvs),
      finalObs: new Float32Array(numEnvs * this.obsDim),
      episodes: NO_EPISODES,
    };
  }

  /**
   * Resets every environment and clears the episode statistics.
   *
   * @param options.seed Seeds environment `i` with `seed + i`. Defaults to the constructor's seed on the first
   *   reset; later resets without a seed continue each environment's generator.
   * @returns `obs`, the `numEnvs x obsDim` buffer that `step` also returns.
   * @throws {RangeError} When `seed` is not an integer in [0, 2^31 - 1].
   * @throws {EnvError} When an environment's reset throws (the original error is its `cause`); the VecEnv then
   *   needs another reset.
   */
  reset(options: { seed?: number } = {}): { obs: Float32Array } {
    const seed = options.seed ?? (this.#ready ? undefined : this.#seed);
    checkSeed("reset", seed);
    let i = 0;
    try {
      for (; i < this.numEnvs; i++) {
        this.#envs[i]!.resetInto(
          this.#obs,
          i * this.obsDim,
          seed === undefined ? undefined : { seed: seed + i },
        );
      }
    } catch (error) {
      this.#ready = false;
      throw new EnvError({ action: "reset", envId: this.spec.id, env: i }, error);
    }
    this.#returns.fill(0);
    this.#lengths.fill(0);
    this.#ready = true;
    return { obs: this.#obs };
  }

  /**
   * Steps every environment once and resets those whose episode ended.
   *
   * @param actions `numEnvs x actionDim` values: one integer per environment for a `Discrete` space.
   * @returns The shared result, overwritten by the next call.
   * @throws {TypeError} When `actions` does not hold `numEnvs x actionDim` numbers.
   * @throws {RangeError} When an action is outside a `Discrete` space or not finite; no environment has moved.
   * @throws {EnvError} When an environment's step or autoreset throws (the original error is its `cause`); the
   *   VecEnv then needs a reset, as the environments before it have moved.
   */
  step(actions: ArrayLike<number>): VecStepResult {
    if (!this.#ready) {
      throw new Error(`Cannot step VecEnv of ${this.spec.id} as it has not been reset: call reset() first`);
    }
    this.#checkActions(actions);
    const { obsDim, actionDim } = this;
    const out = this.#out;
    const obs = this.#obs;
    const result = this.#result;
    const { rewards, terminated, truncated, done, finalObs } = result;
    let episodes: EpisodeRecord[] | null = null;
    let i = 0;
    let action: "step" | "reset" = "step";
    try {
      for (; i < this.numEnvs; i++) {
        const env = this.#envs[i]!;
        const offset = i * obsDim;
        out.offset = offset;
        action = "step";
        env.stepInto(actions, i * actionDim, out);
        rewards[i] = out.reward;
        terminated[i] = out.terminated ? 1 : 0;
        truncated[i] = out.truncated ? 1 : 0;
        const episodeReturn = this.#returns[i]! + out.reward;
        const episodeLength = this.#lengths[i]! + 1;
        if (out.terminated || out.truncated) {
          done[i] = 1;
          for (let j = 0; j < obsDim; j++) finalObs[offset + j] = obs[offset + j]!;
          (episodes ??= []).push({
            env: i,
            return: episodeReturn,
            length: episodeLength,
            truncated: out.truncated,
          });
          this.#returns[i] = 0;
          this.#lengths[i] = 0;
          action = "reset";
          env.resetInto(obs, offset);
        } else {
          done[i] = 0;
          this.#returns[i] = episodeReturn;
          this.#lengths[i] = episodeLength;
        }
      }
    } catch (error) {
      // Envs before i have moved and env i is in an unknown state: stepping on would mix up their episodes.
      this.#ready = false;
      throw new EnvError({ action, envId: this.spec.id, env: i }, error);
    }
    result.episodes = episodes ?? NO_EPISODES;
    return result;
  }

  /**
   * Returns a snapshot from which {@linkcode VecEnv.setState} continues exactly: the same observations,
   * rewards, resets and episode records. `null` before the first reset, or when the environments cannot save
   * their state (`defineEnv` environments, or registered ones that do not support it).
   */
  getState(): VecEnvState | null {
    if (!this.#ready) return null;
    const envs: EnvState[] = [];
    for (const env of this.#envs) {
      const state = env.getState();
      if (state === null) return null;
      envs.push(state);
    }
    return { id: this.spec.id, envs, returns: Array.from(this.#returns), lengths: Array.from(this.#lengths) };
  }

  /**
   * Continues from a snapshot taken by {@linkcode VecEnv.getState}, typically read back from a checkpoint.
   *
   * @returns `obs`, the restored observations (the buffer `step` returns).
   * @throws {TypeError} When the snapshot is malformed or does not fit (other id or number of environments);
   *   the VecEnv is then unchanged.
   */
  setState(snapshot: VecEnvState): { obs: Float32Array } {
    const id = this.spec.id;
    const n = this.numEnvs;
    if (typeof snapshot !== "object" || snapshot === null) {
      throw new TypeError(
        `Cannot restore VecEnv of ${id} as the snapshot must be an object: current value is ${
          describe(snapshot)
        }`,
      );
    }
    if (snapshot.id !== id) {
      throw new TypeError(
        `Cannot restore VecEnv of ${id} as the snapshot is of another environment: current value is ${
          describe(snapshot.id)
        }`,
      );
    }
    for (const name of ["envs", "returns", "lengths"] as const) {
      const values = snapshot[name];
      if (!Array.isArray(values) || values.length !== n) {
        throw new TypeError(
          `Cannot restore VecEnv of ${id} as ${name} must hold numEnvs = ${n} entries: current value is ${
            describe(values)
          }`,
        );
      }
    }
    for (const name of ["returns", "lengths"] as const) {
      if (!snapshot[name].every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new TypeError(
          `Cannot restore VecEnv of ${id} as ${name} must hold finite numbers: current value is ${
            describe(snapshot[name])
          }`,
        );
      }
    }
    // Restoring is all or nothing: on a bad entry, put back the environments already restored.
    const previous = this.getState();
    let restored = 0;
    try {
      for (; restored < n; restored++) {
        this.#obs.set(this.#envs[restored]!.setState(snapshot.envs[restored]!), restored * this.obsDim);
      }
    } catch (error) {
      if (previous === null) {
        // Nothing to roll back to: unless nothing changed, make the next step ask for a reset.
        if (restored > 0) this.#ready = false;
      } else {
        for (let i = 0; i < restored; i++) {
          this.#obs.set(this.#envs[i]!.setState(previous.envs[i]!), i * this.obsDim);
        }
      }
      throw error;
    }
    this.#returns.set(snapshot.returns);
    this.#lengths.set(snapshot.lengths);
    this.#ready = true;
    return { obs: this.#obs };
  }

  #checkActions(actions: ArrayLike<number>): void {
    const id = this.spec.id;
    const expected = this.numEnvs * this.actionDim;
    if (typeof actions !== "object" || actions === null || actions.length !== expected) {
      const got = typeof actions === "object" && actions !== null && typeof actions.length === "number"
        ? `has ${actions.length}`
        : `is ${describe(actions)}`;
      throw new TypeError(
        `Cannot step VecEnv of ${id} as actions must hold numEnvs x actionDim = ${expected} numbers: current value ${got}`,
      );
    }
    const space = this.actionSpace;
    if (space.kind === "discrete") {
      const low = space.start;
      const high = space.start + space.n;
      for (let i = 0; i < expected; i++) {
        const a = actions[i]!;
        if (!(Number.isInteger(a) && a >= low && a < high)) {
          throw new RangeError(
            `Cannot step VecEnv of ${id} as actions[${i}] must be an integer in [${low}, ${high}): current value is ${
              describe(a)
            }`,
          );
        }
      }
    } else {
      for (let i = 0; i < expected; i++) {
        const a = actions[i]!;
        if (typeof a !== "number" || !Number.isFinite(a)) {
          throw new RangeError(
            `Cannot step VecEnv of ${id} as actions[${i}] must be a finite number: current value is ${
              describe(a)
            }`,
          );
        }
      }
    }
  }
}

/** Refuses a seed for which `seed + i` could repeat or lose precision (Gymnasium refuses negative seeds too). */
function checkSeed(action: string, seed: number | undefined): void {
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED)) {
    throw new RangeError(
      `Cannot ${action} VecEnv as seed must be an integer in [0, ${MAX_SEED}]: current value is ${
        describe(seed)
      }`,
    );
  }
}
