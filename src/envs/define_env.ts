import type { Rng } from "../core/rng.ts";
import { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import { Discrete } from "./discrete.ts";
import type { EnvSpec, ResetOptions, Space } from "./types.ts";
import { describe } from "./_describe.ts";
import { checkMaxEpisodeSteps } from "./_check_max_episode_steps.ts";

/** The action a user `step` receives: the integer for a `Discrete` space, a `Float32Array` for a `Box`. */
export type ActionOf<A extends Space> = A extends Discrete ? number : Float32Array;

/** What a user `step` returns. */
export interface DefinedStep<S> {
  /** The next state, kept by the environment and passed to the next `step` (it may be `state` mutated). */
  state: S;
  /** The observation of the next state (`observationSpace.size` numbers). */
  obs: ArrayLike<number>;
  /** The reward the step earned. */
  reward: number;
  /** The MDP reached a terminal state. */
  terminated: boolean;
  /** The environment cut the episode itself (besides `maxEpisodeSteps`). @default {false} */
  truncated?: boolean;
}

/** The description of a user environment given to {@linkcode defineEnv}. */
export interface EnvDefinitionOptions<S, A extends Space> {
  /** The name used in specs and error messages. @default {"CustomEnv"} */
  id?: string;
  /** The observations' bounds and shape. */
  observationSpace: Box;
  /** The actions `step` accepts: `Discrete` or `Box`. */
  actionSpace: A;
  /** `make` and `VecEnv` truncate episodes after this many steps. @default {Infinity} */
  maxEpisodeSteps?: number;
  /** The mean return at which the task counts as solved. @default {null} */
  rewardThreshold?: number | null;
  /**
   * Starts an episode. Draw randomness only from `rng` so that seeds reproduce episodes; `options.state`,
   * when given, is whatever the caller passed to `reset`.
   */
  reset(rng: Rng, options: ResetOptions): { state: S; obs: ArrayLike<number> };
  /**
   * Advances the episode by one action (already checked against `actionSpace`). A `Float32Array` action is
   * only valid during the call.
   */
  step(state: S, action: ActionOf<A>, rng: Rng): DefinedStep<S>;
}

/** A user environment, as accepted by `make` and `VecEnv` in place of a registered id. */
export interface EnvDefinition {
  /** Tags a definition, to tell it from a registered id or an `Env`. */
  readonly kind: "definition";
  /** Id, time limit and solved threshold, from the options. */
  readonly spec: EnvSpec;
  /** The observations' bounds and shape. */
  readonly observationSpace: Box;
  /** The actions the environment accepts. */
  readonly actionSpace: Space;
  /** Creates one independent copy, without the time limit (`make` adds it). */
  create(): BufferedEnv;
}

/**
 * Defines an environment from two plain functions and its spaces. Episode state lives in the `state` value
 * that `reset` returns and `step` passes along, so every copy that `make` or `VecEnv` creates is independent;
 * closures are fine for constants.
 *
 * @typeParam S The episode state.
 * @typeParam A The action space, which types the action `step` receives.
 * @param definition Spaces, the two functions and optional spec fields.
 * @returns A definition to pass to `make` or `VecEnv`.
 * @throws {TypeError} When a space or function is missing.
 * @throws {RangeError} When `maxEpisodeSteps` is not a positive integer or `Infinity`.
 *
 * @example A corridor: walk right (action 1) from cell 0 to cell 3
 * ```ts
 * import { defineEnv } from "./define_env.ts";
 * import { make } from "./make.ts";
 * import { Box } from "./box.ts";
 * import { Discrete } from "./discrete.ts";
 * import assert from "node:assert/strict";
 *
 * const corridor = defineEnv({
 *   id: "Corridor-v0",
 *   observationSpace: new Box(0, 3, [1]),
 *   actionSpace: new Discrete(2),
 *   maxEpisodeSteps: 10,
 *   reset: () => ({ state: 0, obs: [0] }),
 *   step(cell: number, action) {
 *     const next = Math.max(0, cell + (action === 1 ? 1 : -1));
 *     return { state: next, obs: [next], reward: next === 3 ? 1 : 0, terminated: next === 3 };
 *   },
 * });
 * const env = make(corridor);
 * env.reset();
 * env.step(1);
 * env.step(1);
 * assert.deepEqual(env.step(1), { obs: new Float32Array([3]), reward: 1, terminated: true, truncated: false, info: {} });
 * ```
 */
export function defineEnv<S, A extends Space>(definition: EnvDefinitionOptions<S, A>): EnvDefinition {
  const id = definition.id ?? "CustomEnv";
  if (!(definition.observationSpace instanceof Box)) {
    throw new TypeError(
      `Cannot define ${id} as observationSpace must be a Box: current value is ${
        describe(definition.observationSpace)
      }`,
    );
  }
  if (!(definition.actionSpace instanceof Box || definition.actionSpace instanceof Discrete)) {
    throw new TypeError(
      `Cannot define ${id} as actionSpace must be a Box or a Discrete: current value is ${
        describe(definition.actionSpace)
      }`,
    );
  }
  for (const name of ["reset", "step"] as const) {
    if (typeof definition[name] !== "function") {
      throw new TypeError(
        `Cannot define ${id} as ${name} must be a function: current value is ${describe(definition[name])}`,
      );
    }
  }
  const maxEpisodeSteps = checkMaxEpisodeSteps(`define ${id}`, definition.maxEpisodeSteps ?? Infinity);
  const spec: EnvSpec = { id, maxEpisodeSteps, rewardThreshold: definition.rewardThreshold ?? null };
  return Object.freeze({
    kind: "definition",
    spec,
    observationSpace: definition.observationSpace,
    actionSpace: definition.actionSpace,
    create: () => new DefinedEnv(definition, spec),
  });
}

class DefinedEnv<S, A extends Space> extends BufferedEnv {
  readonly observationSpace: Box;
  readonly actionSpace: A;
  readonly spec: EnvSpec;
  #definition: EnvDefinitionOptions<S, A>;
  #rng: Rng | null = null;
  #state: { value: S } | null = null;
  #boxAction: Float32Array;

  constructor(definition: EnvDefinitionOptions<S, A>, spec: EnvSpec) {
    super();
    this.#definition = definition;
    this.observationSpace = definition.observationSpace;
    this.actionSpace = definition.actionSpace;
    this.spec = spec;
    this.#boxAction = new Float32Array(this.actionSpace.kind === "box" ? this.actionSpace.size : 0);
  }

  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    const rng = this.resetRng(options, -1);
    const started = this.#definition.reset(rng, options ?? {});
    this.#copyObs(started.obs, obs, offset, "reset");
    this.#rng = rng;
    this.#state = { value: started.state };
  }

  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    if (this.#state === null || this.#rng === null) throw this.notResetError();
    let action: number | Float32Array;
    if (this.actionSpace.kind === "discrete") {
      action = actions[offset]!;
    } else {
      for (let i = 0; i < this.#boxAction.length; i++) this.#boxAction[i] = actions[offset + i]!;
      action = this.#boxAction;
    }
    const result = this.#definition.step(this.#state.value, action as ActionOf<A>, this.#rng);
    if (typeof result?.reward !== "number" || typeof result.terminated !== "boolean") {
      throw new TypeError(
        `Cannot step ${this.spec.id} as step() must return { state, obs, reward: number, terminated: boolean }: current value is ${
          describe(result)
        }`,
      );
    }
    this.#copyObs(result.obs, out.obs, out.offset, "step");
    this.#state.value = result.state;
    out.reward = result.reward;
    out.terminated = result.terminated;
    out.truncated = result.truncated ?? false;
  }

  #copyObs(source: ArrayLike<number> | undefined, obs: Float32Array, offset: number, from: string): void {
    const size = this.observationSpace.size;
    if (source?.length !== size) {
      throw new TypeError(
        `Cannot ${from} ${this.spec.id} as ${from}() must return obs of ${size} numbers: current value is ${
          describe(source)
        }`,
      );
    }
    for (let i = 0; i < size; i++) obs[offset + i] = source[i]!;
  }
}
