import type { Box } from "./box.ts";
import { BufferedEnv, type EnvState, type StepOutput } from "./buffered_env.ts";
import type { Env, EnvSpec, ResetOptions, Space } from "./types.ts";
import { EnvAdapter } from "./_env_adapter.ts";
import { checkMaxEpisodeSteps } from "./_check_max_episode_steps.ts";

/**
 * Truncates episodes after `spec.maxEpisodeSteps` steps (Gymnasium's `TimeLimit` wrapper): the step that
 * reaches the limit reports `truncated: true`, also when it terminates too. {@linkcode make} adds it to every
 * environment; wrap an environment yourself only when constructing it directly.
 *
 * @example
 * ```ts
 * import { TimeLimit } from "./time_limit.ts";
 * import { Pendulum } from "./pendulum.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new TimeLimit(new Pendulum(), { id: "Pendulum-v1", maxEpisodeSteps: 2, rewardThreshold: null });
 * env.reset({ seed: 1 });
 * assert.equal(env.step([0]).truncated, false);
 * assert.equal(env.step([0]).truncated, true);
 * ```
 */
export class TimeLimit extends BufferedEnv {
  /** The wrapped environment's observation space. */
  readonly observationSpace: Box;
  /** The wrapped environment's action space. */
  readonly actionSpace: Space;
  /** The spec given to the constructor, whose `maxEpisodeSteps` is enforced. */
  readonly spec: EnvSpec;
  /** The wrapped environment. */
  readonly env: BufferedEnv;
  #elapsedSteps = 0;

  /**
   * Wraps an environment so that its episodes end after `spec.maxEpisodeSteps` steps.
   *
   * @param env The environment to limit.
   * @param spec The spec to report, whose `maxEpisodeSteps` (a positive integer, or `Infinity` for no limit) is
   *   enforced. Defaults to `env.spec`.
   */
  constructor(env: Env, spec: EnvSpec = env.spec) {
    super();
    const max = checkMaxEpisodeSteps(`limit ${spec.id}`, spec.maxEpisodeSteps);
    this.env = env instanceof BufferedEnv ? env : new EnvAdapter(env);
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.spec = { id: spec.id, maxEpisodeSteps: max, rewardThreshold: spec.rewardThreshold };
  }

  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.#elapsedSteps;
  }

  /** The wrapped environment's snapshot, with the steps taken since the last reset. */
  override getState(): EnvState | null {
    const state = this.env.getState();
    return state === null ? null : { ...state, elapsedSteps: this.#elapsedSteps };
  }

  /** Restores the wrapped environment and the step count. */
  override setState(snapshot: EnvState): Float32Array {
    const obs = this.env.setState(snapshot);
    this.#elapsedSteps = snapshot.elapsedSteps;
    return obs;
  }

  /** Resets the wrapped environment and the step count. */
  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    this.env.resetInto(obs, offset, options);
    this.#elapsedSteps = 0;
  }

  /** Steps the wrapped environment, and reports `truncated` on the step that reaches the limit. */
  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    this.env.stepInto(actions, offset, out);
    this.#elapsedSteps++;
    if (this.#elapsedSteps >= this.spec.maxEpisodeSteps) out.truncated = true;
  }
}
