import { Rng, type RngState } from "../core/rng.ts";
import type { Box } from "./box.ts";
import type { Action, Env, EnvSpec, ResetOptions, ResetResult, Space, StepResult } from "./types.ts";
import { describe } from "./_describe.ts";

/**
 * Where {@linkcode BufferedEnv.stepInto} writes one step's outcome. A `VecEnv` keeps one of these for all its
 * environments and only moves `offset`, so stepping allocates nothing.
 */
export interface StepOutput {
  /** The observation buffer; a step writes `observationSpace.size` values starting at `offset`. */
  obs: Float32Array;
  /** Index in `obs` of the first value to write. */
  offset: number;
  /** The reward the step earned. */
  reward: number;
  /** The MDP reached a terminal state: do not bootstrap. */
  terminated: boolean;
  /** The episode was cut (time limit): bootstrap from the value of the written observation. */
  truncated: boolean;
}

/**
 * A JSON-serialisable snapshot of one environment, enough to continue it exactly (checkpoints, resume).
 */
export interface EnvState {
  /** The physical state, as `reset({ state })` takes it. */
  readonly state: readonly number[];
  /** The state of the generator that draws reset noise. */
  readonly rng: { readonly words: RngState; readonly spareNormal: number | null };
  /** Steps since the last reset, as counted by a {@linkcode TimeLimit} (0 for an unwrapped env). */
  readonly elapsedSteps: number;
}

/**
 * An {@linkcode Env} that can also reset and step without allocating, writing observations into a caller's
 * buffer. Every environment in ppo-flow extends it, which is what lets `VecEnv` step many copies with no
 * garbage per step; `reset` and `step` are thin allocating wrappers that also validate their input.
 *
 * Subclasses implement `resetInto` and `stepInto`; `stepInto` may assume a valid action, since `step` and
 * `VecEnv` validate actions before calling it.
 *
 * @example A coin that lands heads (reward 1) or tails, one flip per episode
 * ```ts
 * import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
 * import { Box } from "./box.ts";
 * import { Discrete } from "./discrete.ts";
 * import type { ResetOptions } from "./types.ts";
 * import assert from "node:assert/strict";
 *
 * class Coin extends BufferedEnv {
 *   readonly observationSpace = new Box(0, 1, [1]);
 *   readonly actionSpace = new Discrete(2);
 *   readonly spec = { id: "Coin-v0", maxEpisodeSteps: 1, rewardThreshold: null };
 *   #heads = 0;
 *   resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
 *     this.#heads = this.resetRng(options, 0).integer(2);
 *     obs[offset] = 0;
 *   }
 *   stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
 *     out.obs[out.offset] = this.#heads;
 *     out.reward = actions[offset] === this.#heads ? 1 : 0;
 *     out.terminated = true;
 *     out.truncated = false;
 *   }
 * }
 *
 * const coin = new Coin();
 * coin.reset({ seed: 3 });
 * const { reward, terminated } = coin.step(1);
 * assert.ok(reward === 0 || reward === 1);
 * assert.equal(terminated, true);
 * ```
 */
export abstract class BufferedEnv implements Env {
  /** The observations' bounds and shape. */
  abstract readonly observationSpace: Box;
  /** The actions the environment accepts. */
  abstract readonly actionSpace: Space;
  /** Id, time limit and solved threshold. */
  abstract readonly spec: EnvSpec;
  #rng: Rng | null = null;
  #discreteAction = new Float64Array(1);

  /**
   * Resets the environment and writes its first observation to `obs[offset...]`.
   *
   * @param obs Buffer receiving `observationSpace.size` values.
   * @param offset Index of the first value to write.
   * @param options Seed and/or exact physical state.
   */
  abstract resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void;

  /**
   * Steps with the action stored at `actions[offset]` (Discrete) or `actions[offset ... offset + size)`
   * (Box), which the caller has validated, and writes the outcome to `out`.
   */
  abstract stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void;

  /**
   * Returns a snapshot to continue from later with {@linkcode BufferedEnv.setState}, or `null` when the
   * environment has not been reset or cannot save its state (a `defineEnv` environment, whose state is the
   * user's own value).
   */
  getState(): EnvState | null {
    const state = this.physicalState();
    if (state === null || this.#rng === null) return null;
    return { state: Array.from(state), rng: this.#rng.getState(), elapsedSteps: 0 };
  }

  /**
   * Continues from a snapshot taken by {@linkcode BufferedEnv.getState}, possibly in another process.
   *
   * @returns The observation of the restored state.
   * @throws {TypeError} When the environment cannot restore states or the snapshot is malformed.
   * @throws {RangeError} When the snapshot holds non-finite state values or an invalid generator state.
   *   Either way the environment is unchanged.
   */
  setState(snapshot: EnvState): Float32Array {
    const rng = this.#checkSnapshot(snapshot);
    const obs = new Float32Array(this.observationSpace.size);
    this.resetInto(obs, 0, { state: snapshot.state });
    this.#rng = rng;
    return obs;
  }

  /**
   * The physical state for {@linkcode BufferedEnv.getState}, or `null` before the first reset. Environments
   * that can restore any state through `reset({ state })` override this (and `canRestoreState`).
   */
  protected physicalState(): ArrayLike<number> | null {
    return null;
  }

  /** Whether `reset({ state })` fully determines the environment, so that `setState` works. */
  protected canRestoreState(): boolean {
    return false;
  }

  #checkSnapshot(snapshot: EnvState): Rng {
    const id = this.spec.id;
    if (!this.canRestoreState()) {
      throw new TypeError(
        `Cannot restore ${id} as it cannot save its state: current value is ${describe(snapshot)}`,
      );
    }
    if (
      typeof snapshot !== "object" || snapshot === null || typeof snapshot.rng !== "object" ||
      snapshot.rng === null
    ) {
      throw new TypeError(
        `Cannot restore ${id} as the snapshot must be { state, rng, elapsedSteps }: current value is ${
          describe(snapshot)
        }`,
      );
    }
    if (!Number.isInteger(snapshot.elapsedSteps) || snapshot.elapsedSteps < 0) {
      throw new TypeError(
        `Cannot restore ${id} as elapsedSteps must be a non-negative integer: current value is ${
          describe(snapshot.elapsedSteps)
        }`,
      );
    }
    const rng = new Rng(0);
    rng.setState(snapshot.rng);
    return rng;
  }

  /** Resets the environment (Gymnasium's `env.reset(seed=..., options=...)`). */
  reset(options?: ResetOptions): ResetResult {
    const obs = new Float32Array(this.observationSpace.size);
    this.resetInto(obs, 0, options);
    return { obs, info: {} };
  }

  /**
   * Steps the environment once, after checking the action against the action space.
   *
   * @throws {TypeError} When the action has the wrong type or shape.
   * @throws {RangeError} When a Discrete action is not one of the space's integers, or a Box action is not finite.
   */
  step(action: Action): StepResult {
    const actions = this.#validate(action);
    const out: StepOutput = {
      obs: new Float32Array(this.observationSpace.size),
      offset: 0,
      reward: 0,
      terminated: false,
      truncated: false,
    };
    this.stepInto(actions, 0, out);
    return {
      obs: out.obs,
      reward: out.reward,
      terminated: out.terminated,
      truncated: out.truncated,
      info: {},
    };
  }

  /**
   * Validates reset options and returns the generator to draw the initial state from: a fresh one seeded with
   * `options.seed` when given, otherwise the environment's own (seeded from system entropy on first use).
   *
   * @param options The options passed to reset.
   * @param stateSize Number of values `options.state` must hold, or `-1` to accept any length.
   */
  protected resetRng(options: ResetOptions | undefined, stateSize: number): Rng {
    const seed = options?.seed;
    const state = options?.state;
    if (seed !== undefined && !Number.isFinite(seed)) {
      throw new RangeError(
        `Cannot reset ${this.spec.id} as seed must be a finite number: current value is ${describe(seed)}`,
      );
    }
    if (state !== undefined) {
      if (typeof state !== "object" || state === null || typeof state.length !== "number") {
        throw new TypeError(
          `Cannot reset ${this.spec.id} as state must be an array of numbers: current value is ${
            describe(state)
          }`,
        );
      }
      if (stateSize >= 0 && state.length !== stateSize) {
        throw new TypeError(
          `Cannot reset ${this.spec.id} as state must hold ${stateSize} numbers: current value has ${state.length}`,
        );
      }
      for (let i = 0; i < state.length; i++) {
        const v = state[i];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new RangeError(
            `Cannot reset ${this.spec.id} as state must hold finite numbers: current value is ${
              describe(state)
            }`,
          );
        }
      }
    }
    if (seed !== undefined) this.#rng = new Rng(seed);
    else if (this.#rng === null) this.#rng = new Rng(crypto.getRandomValues(new Uint32Array(1))[0]!);
    return this.#rng;
  }

  /** The error thrown by a step before the first reset. */
  protected notResetError(): Error {
    return new Error(`Cannot step ${this.spec.id} as it has not been reset: call reset() first`);
  }

  #validate(action: Action): ArrayLike<number> {
    const id = this.spec.id;
    const space = this.actionSpace;
    if (space.kind === "discrete") {
      if (typeof action !== "number") {
        throw new TypeError(
          `Cannot step ${id} as the action must be a number: current value is ${describe(action)}`,
        );
      }
      if (!space.contains(action)) {
        throw new RangeError(
          `Cannot step ${id} as the action must be an integer in [${space.start}, ${
            space.start + space.n
          }): current value is ${action}`,
        );
      }
      this.#discreteAction[0] = action;
      return this.#discreteAction;
    }
    if (typeof action !== "object" || action === null || typeof action.length !== "number") {
      throw new TypeError(
        `Cannot step ${id} as the action must be an array of ${space.size} numbers: current value is ${
          describe(action)
        }`,
      );
    }
    if (action.length !== space.size) {
      throw new TypeError(
        `Cannot step ${id} as the action must hold ${space.size} numbers: current value has ${action.length}`,
      );
    }
    for (let i = 0; i < action.length; i++) {
      const v = action[i];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RangeError(
          `Cannot step ${id} as the action must hold finite numbers: current value is ${describe(action)}`,
        );
      }
    }
    return action;
  }
}
