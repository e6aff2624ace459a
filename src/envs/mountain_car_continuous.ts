import { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import type { EnvSpec, ResetOptions } from "./types.ts";

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.45;
const GOAL_VELOCITY = 0;
const POWER = 0.0015;

/**
 * MountainCarContinuous-v0 (Gymnasium 1.x `Continuous_MountainCarEnv`): push with a force in [-1, 1] to drive
 * the car up to the flag at position 0.45. Reward +100 on reaching it, minus 0.1 x action^2 every step.
 * Actions outside [-1, 1] are accepted as in Gymnasium: the force is clipped, but the penalty charges the
 * action as given. State `[position, velocity]`: reset draws the position from U(-0.6, -0.4) in float64, and
 * like Gymnasium every step computes in float64 and stores the new state rounded to float32.
 *
 * Use {@linkcode make} (`make("MountainCarContinuous-v0")`) for the 999-step time limit.
 *
 * @example
 * ```ts
 * import { MountainCarContinuous } from "./mountain_car_continuous.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new MountainCarContinuous();
 * env.reset({ state: [-0.5, 0] });
 * const { reward } = env.step([2]); // the force is clipped to 1, the penalty is not
 * assert.ok(Math.abs(reward - -0.4) < 1e-12);
 * ```
 */
export class MountainCarContinuous extends BufferedEnv {
  /** `[position, velocity]`: position in [-1.2, 0.6], velocity in [-0.07, 0.07]. */
  readonly observationSpace: Box = new Box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]);
  /** `Box(-1, 1, [1])`: the pushing force. */
  readonly actionSpace: Box = new Box(MIN_ACTION, MAX_ACTION, [1]);
  /** `MountainCarContinuous-v0`: 999 steps, solved at 90. */
  readonly spec: EnvSpec = { id: "MountainCarContinuous-v0", maxEpisodeSteps: 999, rewardThreshold: 90 };
  #position = 0;
  #velocity = 0;
  #ready = false;

  /** The state `[position, velocity]`, or null before the first reset. */
  protected override physicalState(): ArrayLike<number> | null {
    return this.#ready ? [this.#position, this.#velocity] : null;
  }

  /** Always true: `reset({ state })` sets the whole physical state. */
  protected override canRestoreState(): boolean {
    return true;
  }

  /**
   * Starts an episode at a position drawn from U(-0.6, -0.4) with zero velocity, or exactly at
   * `options.state`.
   */
  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    const rng = this.resetRng(options, 2);
    this.#position = rng.uniform(-0.6, -0.4);
    this.#velocity = 0;
    const state = options?.state;
    if (state !== undefined) {
      this.#position = state[0]!;
      this.#velocity = state[1]!;
    }
    this.#ready = true;
    obs[offset] = this.#position;
    obs[offset + 1] = this.#velocity;
  }

  /**
   * Pushes with the clipped force for one step; reward -0.1 x action^2, plus 100 and terminated at the flag
   * at 0.45.
   */
  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    if (!this.#ready) throw this.notResetError();
    const action = actions[offset]!;
    let position = this.#position;
    let velocity = this.#velocity;
    const force = Math.min(Math.max(action, MIN_ACTION), MAX_ACTION);
    velocity += force * POWER - 0.0025 * Math.cos(3 * position);
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    position += velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    const terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    this.#position = Math.fround(position);
    this.#velocity = Math.fround(velocity);
    out.obs[out.offset] = this.#position;
    out.obs[out.offset + 1] = this.#velocity;
    out.reward = (terminated ? 100.0 : 0) - action * action * 0.1;
    out.terminated = terminated;
    out.truncated = false;
  }
}
