/** Where an environment failed, as an {@linkcode EnvError} reports it. */
export interface EnvErrorContext {
  /** What the environment was doing: `"step"` or `"reset"` (an autoreset inside a step included). */
  readonly action: "step" | "reset";
  /** The environment's id. */
  readonly envId: string;
  /** The environment's index in its `VecEnv`. */
  readonly env: number;
  /** Environment steps taken over all envs before the failing vector step, when the caller knows them. */
  readonly globalStep?: number;
}

/**
 * An error thrown by an environment's own `step` or `reset` inside a `VecEnv`, wrapped so that it names the
 * environment; the original error is its `cause`. A `Collector` adds the global step.
 *
 * @example
 * ```ts
 * import { EnvError } from "./env_error.ts";
 * import assert from "node:assert/strict";
 *
 * const cause = new Error("the simulator crashed");
 * const error = new EnvError({ action: "step", envId: "MyEnv-v0", env: 3, globalStep: 1536 }, cause);
 * assert.equal(error.message, "Cannot step env 3 of MyEnv-v0 at global step 1536: the simulator crashed");
 * assert.equal(error.cause, cause);
 * ```
 */
export class EnvError extends Error {
  override readonly name = "EnvError";
  /** What the environment was doing. */
  readonly action: "step" | "reset";
  /** The environment's id. */
  readonly envId: string;
  /** The environment's index in its `VecEnv`. */
  readonly env: number;
  /** Environment steps taken over all envs before the failing vector step, or `null` when not known. */
  readonly globalStep: number | null;

  /**
   * @param context Where the environment failed.
   * @param cause What the environment threw.
   */
  constructor(context: EnvErrorContext, cause: unknown) {
    const at = context.globalStep === undefined ? "" : ` at global step ${context.globalStep}`;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot ${context.action} env ${context.env} of ${context.envId}${at}: ${reason}`, { cause });
    this.action = context.action;
    this.envId = context.envId;
    this.env = context.env;
    this.globalStep = context.globalStep ?? null;
  }
}
