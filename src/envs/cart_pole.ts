import { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import { Discrete } from "./discrete.ts";
import type { EnvSpec, ResetOptions } from "./types.ts";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const THETA_THRESHOLD = 12 * 2 * Math.PI / 360;
const X_THRESHOLD = 2.4;

/** Options of {@linkcode CartPole}. */
export interface CartPoleOptions {
  /**
   * Receives the warning about a step after termination, once per environment.
   * @default {console.warn}
   */
  readonly warn?: (message: string) => void;
}

/**
 * CartPole-v1 (Gymnasium 1.x `CartPoleEnv`, Euler integration): push a cart left (0) or right (1) to keep a
 * pole upright. Reward 1 per step; the episode terminates when the pole leans more than 12 degrees or the
 * cart leaves [-2.4, 2.4]. State `[x, xDot, theta, thetaDot]` in float64; reset draws each from U(-0.05, 0.05).
 * Stepped on after termination, it pays 0 and warns once per environment, as Gymnasium does; the state then
 * holds a fifth value, the steps taken since termination, so that `setState` continues exactly.
 *
 * Use {@linkcode make} (`make("CartPole-v1")`) for the 500-step time limit.
 *
 * @example
 * ```ts
 * import { CartPole } from "./cart_pole.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new CartPole();
 * const { obs } = env.reset({ seed: 0 });
 * assert.equal(obs.length, 4);
 * const step = env.step(1);
 * assert.equal(step.reward, 1);
 * assert.ok(step.obs[1]! > obs[1]!); // pushing right speeds the cart up
 * ```
 */
export class CartPole extends BufferedEnv {
  /**
   * `[x, xDot, theta, thetaDot]`: cart position (m) and velocity, pole angle (rad) and angular velocity,
   * bounded at twice the termination limits.
   */
  readonly observationSpace: Box = new Box(
    [-X_THRESHOLD * 2, -Infinity, -THETA_THRESHOLD * 2, -Infinity],
    [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity],
  );
  /** `Discrete(2)`: push the cart left (0) or right (1) with a force of 10 N. */
  readonly actionSpace: Discrete = new Discrete(2);
  /** `CartPole-v1`: 500 steps, solved at 475. */
  readonly spec: EnvSpec = { id: "CartPole-v1", maxEpisodeSteps: 500, rewardThreshold: 475 };
  #x = 0;
  #xDot = 0;
  #theta = 0;
  #thetaDot = 0;
  #ready = false;
  /** Gymnasium's `steps_beyond_terminated`: null until the episode terminates, then the steps taken since. */
  #stepsBeyondTerminated: number | null = null;
  #warned = false;
  #warn: (message: string) => void;

  /**
   * Creates the environment; call `reset` before stepping.
   *
   * @param options Where the warning about a step after termination goes.
   */
  constructor(options: CartPoleOptions = {}) {
    super();
    this.#warn = options.warn ?? ((message) => console.warn(message));
  }

  /** `[x, xDot, theta, thetaDot]`, then the steps since termination if any; null before the first reset. */
  protected override physicalState(): ArrayLike<number> | null {
    if (!this.#ready) return null;
    const state = [this.#x, this.#xDot, this.#theta, this.#thetaDot];
    return this.#stepsBeyondTerminated === null ? state : [...state, this.#stepsBeyondTerminated];
  }

  /** Always true: `reset({ state })` sets the whole physical state. */
  protected override canRestoreState(): boolean {
    return true;
  }

  /** Starts an episode with each state variable drawn from U(-0.05, 0.05), or exactly `options.state`. */
  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    const state = options?.state;
    const beyond = state?.length === 5 ? state[4] : undefined;
    if (beyond !== undefined && !(Number.isInteger(beyond) && beyond >= 0)) {
      throw new RangeError(
        `Cannot reset ${this.spec.id} as state[4], the steps taken after termination, must be a non-negative integer: current value is ${beyond}`,
      );
    }
    const rng = this.resetRng(options, beyond === undefined ? 4 : 5);
    this.#x = rng.uniform(-0.05, 0.05);
    this.#xDot = rng.uniform(-0.05, 0.05);
    this.#theta = rng.uniform(-0.05, 0.05);
    this.#thetaDot = rng.uniform(-0.05, 0.05);
    if (state !== undefined) {
      this.#x = state[0]!;
      this.#xDot = state[1]!;
      this.#theta = state[2]!;
      this.#thetaDot = state[3]!;
    }
    this.#stepsBeyondTerminated = beyond ?? null;
    this.#ready = true;
    this.#observe(obs, offset);
  }

  /**
   * Pushes the cart for one 0.02 s Euler step; reward 1 (0 on steps after termination), terminated once the
   * pole or the cart leaves its limits.
   */
  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    if (!this.#ready) throw this.notResetError();
    // Same operations in the same order as Gymnasium: the balancing trajectories amplify any rounding difference.
    const force = actions[offset] === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(this.#theta);
    const sinTheta = Math.sin(this.#theta);
    const temp = (force + POLE_MASS_LENGTH * (this.#thetaDot * this.#thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sinTheta - cosTheta * temp) /
      (LENGTH * (4.0 / 3.0 - MASS_POLE * (cosTheta * cosTheta) / TOTAL_MASS));
    const xAcc = temp - POLE_MASS_LENGTH * thetaAcc * cosTheta / TOTAL_MASS;
    this.#x = this.#x + TAU * this.#xDot;
    this.#xDot = this.#xDot + TAU * xAcc;
    this.#theta = this.#theta + TAU * this.#thetaDot;
    this.#thetaDot = this.#thetaDot + TAU * thetaAcc;
    this.#observe(out.obs, out.offset);
    const terminated = this.#x < -X_THRESHOLD || this.#x > X_THRESHOLD || this.#theta < -THETA_THRESHOLD ||
      this.#theta > THETA_THRESHOLD;
    out.terminated = terminated;
    out.reward = 1.0;
    out.truncated = false;
    if (!terminated) return;
    if (this.#stepsBeyondTerminated === null) {
      this.#stepsBeyondTerminated = 0;
      return;
    }
    if (this.#stepsBeyondTerminated === 0 && !this.#warned) {
      this.#warned = true;
      this.#warn(
        `You are calling step() on ${this.spec.id} even though it has already returned terminated = true: call reset() once you receive terminated = true, as any further steps are undefined behavior`,
      );
    }
    this.#stepsBeyondTerminated++;
    out.reward = 0.0;
  }

  #observe(obs: Float32Array, offset: number): void {
    obs[offset] = this.#x;
    obs[offset + 1] = this.#xDot;
    obs[offset + 2] = this.#theta;
    obs[offset + 3] = this.#thetaDot;
  }
}
