import { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import { Discrete } from "./discrete.ts";
import type { EnvSpec, ResetOptions } from "./types.ts";

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;
const G = 9.8;

/**
 * Acrobot-v1 (Gymnasium 1.x `AcrobotEnv`, "book" dynamics): apply torque -1, 0 or +1 (actions 0, 1, 2) at the
 * joint between two links to swing the free end above the bar. Reward -1 per step, 0 on reaching the goal.
 * State `[theta1, theta2, dtheta1, dtheta2]`; reset draws each from U(-0.1, 0.1) rounded to float32, and every
 * step integrates in float64 with one RK4 step of 0.2 s.
 *
 * Use {@linkcode make} (`make("Acrobot-v1")`) for the 500-step time limit.
 *
 * @example
 * ```ts
 * import { Acrobot } from "./acrobot.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Acrobot();
 * const { obs } = env.reset({ state: [0, 0, 0, 0] });
 * assert.deepEqual([...obs], [1, 0, 1, 0, 0, 0]); // hanging straight down, at rest
 * assert.equal(env.step(1).reward, -1);
 * ```
 */
export class Acrobot extends BufferedEnv {
  /**
   * `[cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2]`, velocities within +-4 pi and +-9 pi
   * rad/s.
   */
  readonly observationSpace: Box = new Box([-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2], [
    1,
    1,
    1,
    1,
    MAX_VEL_1,
    MAX_VEL_2,
  ]);
  /** `Discrete(3)`: torque -1, 0 or +1 on the joint between the links. */
  readonly actionSpace: Discrete = new Discrete(3);
  /** `Acrobot-v1`: 500 steps, solved at -100. */
  readonly spec: EnvSpec = { id: "Acrobot-v1", maxEpisodeSteps: 500, rewardThreshold: -100 };
  #state = new Float64Array(4);
  // RK4 scratch: the start point, a probe point and the four slopes.
  #y = new Float64Array(4);
  #k1 = new Float64Array(4);
  #k2 = new Float64Array(4);
  #k3 = new Float64Array(4);
  #k4 = new Float64Array(4);
  #ready = false;

  /** The state `[theta1, theta2, dtheta1, dtheta2]`, or null before the first reset. */
  protected override physicalState(): ArrayLike<number> | null {
    return this.#ready ? this.#state : null;
  }

  /** Always true: `reset({ state })` sets the whole physical state. */
  protected override canRestoreState(): boolean {
    return true;
  }

  /**
   * Starts an episode with each state variable drawn from U(-0.1, 0.1) (rounded to float32), or exactly
   * `options.state`.
   */
  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    const rng = this.resetRng(options, 4);
    for (let i = 0; i < 4; i++) this.#state[i] = Math.fround(rng.uniform(-0.1, 0.1));
    const state = options?.state;
    if (state !== undefined) { for (let i = 0; i < 4; i++) this.#state[i] = state[i]!; }
    this.#ready = true;
    this.#observe(obs, offset);
  }

  /**
   * Applies the torque for one RK4 step of 0.2 s; reward -1, or 0 and terminated once the free end rises
   * above the bar.
   */
  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    if (!this.#ready) throw this.notResetError();
    const torque = AVAIL_TORQUE[actions[offset]! as 0 | 1 | 2];
    const s = this.#state;
    const y = this.#y;
    const dt2 = DT / 2.0;
    derivatives(s, torque, this.#k1);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + dt2 * this.#k1[i]!;
    derivatives(y, torque, this.#k2);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + dt2 * this.#k2[i]!;
    derivatives(y, torque, this.#k3);
    for (let i = 0; i < 4; i++) y[i] = s[i]! + DT * this.#k3[i]!;
    derivatives(y, torque, this.#k4);
    const scale = DT / 6.0;
    for (let i = 0; i < 4; i++) {
      s[i] = s[i]! + scale * (this.#k1[i]! + 2 * this.#k2[i]! + 2 * this.#k3[i]! + this.#k4[i]!);
    }
    s[0] = wrap(s[0]!, -Math.PI, Math.PI);
    s[1] = wrap(s[1]!, -Math.PI, Math.PI);
    s[2] = Math.min(Math.max(s[2]!, -MAX_VEL_1), MAX_VEL_1);
    s[3] = Math.min(Math.max(s[3]!, -MAX_VEL_2), MAX_VEL_2);
    this.#observe(out.obs, out.offset);
    out.terminated = -Math.cos(s[0]!) - Math.cos(s[1]! + s[0]!) > 1.0;
    out.reward = out.terminated ? 0.0 : -1.0;
    out.truncated = false;
  }

  #observe(obs: Float32Array, offset: number): void {
    const s = this.#state;
    obs[offset] = Math.cos(s[0]!);
    obs[offset + 1] = Math.sin(s[0]!);
    obs[offset + 2] = Math.cos(s[1]!);
    obs[offset + 3] = Math.sin(s[1]!);
    obs[offset + 4] = s[2]!;
    obs[offset + 5] = s[3]!;
  }
}

// Gymnasium's `_dsdt`, term by term in its evaluation order.
function derivatives(s: Float64Array, a: number, out: Float64Array): void {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const i1 = LINK_MOI;
  const i2 = LINK_MOI;
  const theta1 = s[0]!;
  const theta2 = s[1]!;
  const dtheta1 = s[2]!;
  const dtheta2 = s[3]!;
  const cosTheta2 = Math.cos(theta2);
  const sinTheta2 = Math.sin(theta2);
  const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cosTheta2) + i1 + i2;
  const d2 = m2 * (lc2 * lc2 + l1 * lc2 * cosTheta2) + i2;
  const phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sinTheta2 -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sinTheta2 +
    (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2) + phi2;
  const ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sinTheta2 - phi2) /
    (m2 * (lc2 * lc2) + i2 - d2 * d2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
}

function wrap(x: number, low: number, high: number): number {
  const diff = high - low;
  while (x > high) x = x - diff;
  while (x < low) x = x + diff;
  return x;
}
