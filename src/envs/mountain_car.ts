import { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import { Discrete } from "./discrete.ts";
import type { EnvSpec, ResetOptions } from "./types.ts";

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const GOAL_VELOCITY = 0;
const FORCE = 0.001;
const GRAVITY = 0.0025;

/**
 * MountainCar-v0 (Gymnasium 1.x `MountainCarEnv`): accelerate left (0), not at all (1) or right (2) to rock an
 * underpowered car up to the flag at position 0.5. Reward -1 per step. State `[position, velocity]` in
 * float64; reset draws the position from U(-0.6, -0.4) with zero velocity.
 *
 * Use {@linkcode make} (`make("MountainCar-v0")`) for the 200-step time limit.
 *
 * @example
 * ```ts
 * import { MountainCar } from "./mountain_car.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new MountainCar();
 * env.reset({ state: [-0.5, 0] });
 * const { obs, reward } = env.step(2);
 * assert.ok(obs[1]! > 0); // pushing right from the valley floor
 * assert.equal(reward, -1);
 * ```
 */
export class MountainCar extends BufferedEnv {
  /** `[position, velocity]`: position in [-1.2, 0.6], velocity in [-0.07, 0.07]. */
  readonly observationSpace: Box = new Box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]);
  /** `Discrete(3)`: accelerate left (0), not at all (1) or right (2). */
  readonly actionSpace: Discrete = new Discrete(3);
  /** `MountainCar-v0`: 200 steps, solved at -110. */
  readonly spec: EnvSpec = { id: "MountainCar-v0", maxEpisodeSteps: 200, rewardThreshold: -110 };
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

  /** Accelerates for one step against gravity; reward -1, terminated once the car reaches the flag at 0.5. */
  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    if (!this.#ready) throw this.notResetError();
    let position = this.#position;
    let velocity = this.#velocity;
    velocity += (actions[offset]! - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position += velocity;
    position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    this.#position = position;
    this.#velocity = velocity;
    out.obs[out.offset] = position;
    out.obs[out.offset + 1] = velocity;
    out.reward = -1.0;
    out.terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
    out.truncated = false;
  }
}
