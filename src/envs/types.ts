import type { Box } from "./box.ts";
import type { Discrete } from "./discrete.ts";

/** An action space. */
export type Space = Discrete | Box;

/** Static facts about an environment, as in Gymnasium's `EnvSpec`. */
export interface EnvSpec {
  /** Registered id, such as `"CartPole-v1"`. */
  readonly id: string;
  /** Episodes are truncated after this many steps (the `TimeLimit` wrapper). */
  readonly maxEpisodeSteps: number;
  /** The mean return over 100 episodes at which the task counts as solved, if any. */
  readonly rewardThreshold: number | null;
}

/** Options of {@linkcode Env.reset}. */
export interface ResetOptions {
  /** Reseeds the environment's generator before drawing the initial state. */
  seed?: number;
  /** Sets the physical state exactly instead of drawing it (Gymnasium's `env.unwrapped.state = ...`). */
  state?: ArrayLike<number>;
}

/** Result of {@linkcode Env.reset}. */
export interface ResetResult {
  /** The episode's first observation. */
  obs: Float32Array;
  /** Auxiliary diagnostics (empty for the built-in environments). */
  info: Record<string, unknown>;
}

/** Result of {@linkcode Env.step}. */
export interface StepResult {
  /** The observation after the action. */
  obs: Float32Array;
  /** The reward the action earned. */
  reward: number;
  /** The MDP reached a terminal state: do not bootstrap. */
  terminated: boolean;
  /** The episode was cut (time limit): bootstrap from the value of `obs`. */
  truncated: boolean;
  /** Auxiliary diagnostics (empty for the built-in environments). */
  info: Record<string, unknown>;
}

/** An action: an integer for `Discrete` spaces, a vector for `Box` spaces. */
export type Action = number | ArrayLike<number>;

/** A single environment with Gymnasium semantics. */
export interface Env {
  /** The observations' bounds and shape. */
  readonly observationSpace: Box;
  /** The actions `step` accepts. */
  readonly actionSpace: Space;
  /** Id, time limit and solved threshold. */
  readonly spec: EnvSpec;
  /** Starts an episode (Gymnasium's `env.reset(seed=...)`). */
  reset(options?: ResetOptions): ResetResult;
  /** Takes one action (Gymnasium's `env.step(action)`). */
  step(action: Action): StepResult;
}
