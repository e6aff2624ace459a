import type { EnvState, StepOutput } from "../envs/buffered_env.ts";
import { make } from "../envs/make.ts";
import type { TimeLimit } from "../envs/time_limit.ts";
import type { StepBatch } from "../operators/types.ts";

/**
 * A copy of a training run's env 0 that follows it step by step: restored from env 0's snapshot, then stepped
 * with env 0's actions (the environments are deterministic given their snapshot). Unlike the `VecEnv`, it
 * still holds an episode's final state after env 0 has autoreset, and reading it touches no other env.
 */
export class EnvMirror {
  readonly env: TimeLimit;
  /** Whether the copy is in step with env 0 (after `sync`, until its episode ends). */
  synced = false;
  readonly #clipActions: boolean;
  readonly #action: Float32Array;
  readonly #out: StepOutput;

  constructor(envId: string, clipActions: boolean) {
    this.env = make(envId);
    const space = this.env.actionSpace;
    this.#clipActions = clipActions;
    this.#action = new Float32Array(space.kind === "discrete" ? 1 : space.size);
    this.#out = {
      obs: new Float32Array(this.env.observationSpace.size),
      offset: 0,
      reward: 0,
      terminated: false,
      truncated: false,
    };
  }

  /** Restores the copy to env 0's snapshot. */
  sync(snapshot: EnvState): void {
    this.env.setState(snapshot);
    this.synced = true;
  }

  /**
   * Takes env 0's step of `step` (its action, clipped to the bounds as the collector sends it).
   *
   * @returns The action sent and the step's outcome; `synced` turns false when the episode ended.
   */
  follow(
    step: StepBatch,
  ): { readonly action: Float32Array; readonly reward: number; readonly ended: boolean } {
    const space = this.env.actionSpace;
    const action = this.#action;
    for (let i = 0; i < action.length; i++) {
      const a = step.actions[i]!;
      action[i] = space.kind === "box" && this.#clipActions
        ? Math.min(Math.max(a, space.low[i]!), space.high[i]!)
        : a;
    }
    const out = this.#out;
    this.env.stepInto(action, 0, out);
    const ended = out.terminated || out.truncated;
    if (ended) this.synced = false;
    return { action, reward: out.reward, ended };
  }
}
