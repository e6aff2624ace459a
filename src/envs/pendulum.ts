import { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import type { EnvSpec, ResetOptions } from "./types.ts";

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const G = 10.0;
const M = 1.0;
const L = 1.0;

/**
 * Pendulum-v1 (Gymnasium 1.x `PendulumEnv`, g = 10): apply a torque in [-2, 2] to swing a pendulum up and keep
 * it upright. Reward -(theta^2 + 0.1 thetaDot^2 + 0.001 torque^2) with theta normalised to [-pi, pi); torques
 * outside the bounds are clipped (and charged clipped), as in Gymnasium. State `[theta, thetaDot]` in float64;
 * reset draws theta from U(-pi, pi) and thetaDot from U(-1, 1). Never terminates.
 *
 * Use {@linkcode make} (`make("Pendulum-v1")`) for the 200-step time limit.
 *
 * @example
 * ```ts
 * import { Pendulum } from "./pendulum.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Pendulum();
 * const { obs } = env.reset({ state: [0, 0] });
 * assert.deepEqual([...obs], [1, 0, 0]); // upright and still
 * assert.ok(Math.abs(env.step([5]).reward - -0.004) < 1e-12); // the torque is clipped to 2
 * ```
 */
export class Pendulum extends BufferedEnv {
  /** `[cos theta, sin theta, thetaDot]`, angular velocity in [-8, 8] rad/s. */
  readonly observationSpace: Box = new Box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]);
  /** `Box(-2, 2, [1])`: the torque on the pendulum. */
  readonly actionSpace: Box = new Box(-MAX_TORQUE, MAX_TORQUE, [1]);
  /** `Pendulum-v1`: 200 steps, no solved threshold. */
  readonly spec: EnvSpec = { id: "Pendulum-v1", maxEpisodeSteps: 200, rewardThreshold: null };
  #theta = 0;
  #thetaDot = 0;
  #ready = false;

  /** The state `[theta, thetaDot]`, or null before the first reset. */
  protected override physicalState(): ArrayLike<number> | null {
    return this.#ready ? [this.#theta, this.#thetaDot] : null;
  }

  /** Always true: `reset({ state })` sets the whole physical state. */
  protected override canRestoreState(): boolean {
    return true;
  }

  /** Starts an episode with theta from U(-pi, pi) and thetaDot from U(-1, 1), or exactly `options.state`. */
  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    const rng = this.resetRng(options, 2);
    this.#theta = rng.uniform(-Math.PI, Math.PI);
    this.#thetaDot = rng.uniform(-1, 1);
    const state = options?.state;
    if (state !== undefined) {
      this.#theta = state[0]!;
      this.#thetaDot = state[1]!;
    }
    this.#ready = true;
    this.#observe(obs, offset);
  }

  /**
   * Applies the clipped torque for one 0.05 s step; the reward is minus the angle, speed and torque costs.
   */
  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    if (!this.#ready) throw this.notResetError();
    const theta = this.#theta;
    const thetaDot = this.#thetaDot;
    const u = Math.min(Math.max(actions[offset]!, -MAX_TORQUE), MAX_TORQUE);
    const angle = normalizeAngle(theta);
    const costs = angle * angle + 0.1 * (thetaDot * thetaDot) + 0.001 * (u * u);
    let newThetaDot = thetaDot + (3 * G / (2 * L) * Math.sin(theta) + 3.0 / (M * (L * L)) * u) * DT;
    newThetaDot = Math.min(Math.max(newThetaDot, -MAX_SPEED), MAX_SPEED);
    this.#theta = theta + newThetaDot * DT;
    this.#thetaDot = newThetaDot;
    this.#observe(out.obs, out.offset);
    out.reward = -costs;
    out.terminated = false;
    out.truncated = false;
  }

  #observe(obs: Float32Array, offset: number): void {
    obs[offset] = Math.cos(this.#theta);
    obs[offset + 1] = Math.sin(this.#theta);
    obs[offset + 2] = this.#thetaDot;
  }
}

// Python's `%` takes the sign of the divisor; JavaScript's `%` takes the sign of the dividend.
function normalizeAngle(x: number): number {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period;
  if (r < 0) r += period;
  return r - Math.PI;
}
