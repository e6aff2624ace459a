import { type Body, BoxShape, type Contact, EdgeShape, PolygonShape, RevoluteJoint, World } from "planck";
import { Rng } from "../core/rng.ts";
import { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import { Discrete } from "./discrete.ts";
import type { EnvSpec, ResetOptions } from "./types.ts";
import { describe } from "./_describe.ts";

// Gymnasium's constants, in its pixel units where it uses them (SCALE pixels per metre).
const FPS = 50;
const SCALE = 30;
const MAIN_ENGINE_POWER = 13;
const SIDE_ENGINE_POWER = 0.6;
const INITIAL_RANDOM = 1000;
const LANDER_POLY: readonly (readonly [number, number])[] = [
  [-14, 17],
  [-17, 0],
  [-17, -10],
  [17, -10],
  [17, 0],
  [14, 17],
];
const LEG_AWAY = 20;
const LEG_DOWN = 18;
const LEG_W = 2;
const LEG_H = 8;
const LEG_SPRING_TORQUE = 40;
const SIDE_ENGINE_HEIGHT = 14;
const SIDE_ENGINE_AWAY = 12;
const MAIN_ENGINE_Y_LOCATION = 4;
const VIEWPORT_W = 600;
const VIEWPORT_H = 400;
const W = VIEWPORT_W / SCALE;
const H = VIEWPORT_H / SCALE;
const CHUNKS = 11;
const HELIPAD_Y = H / 4;
const VELOCITY_ITERATIONS = 6 * 30;
const POSITION_ITERATIONS = 2 * 30;
// Fixture categories: the ground collides with everything, the lander, its legs and nothing else collide
// only with the ground.
const GROUND = 0x0001;
const LANDER = 0x0010;
const LEG = 0x0020;

const OPTION_KEYS = ["continuous", "gravity", "enableWind", "windPower", "turbulencePower"] as const;

/** Options of {@linkcode LunarLander}, Gymnasium's keyword arguments in camelCase. */
export interface LunarLanderOptions {
  /** Continuous throttles (`Box(-1, 1, [2])`, id `LunarLanderContinuous-v3`) instead of `Discrete(4)`. @default {false} */
  continuous?: boolean;
  /** Vertical gravity, in (-12, 0). @default {-10} */
  gravity?: number;
  /** Blow a non-periodic wind and turbulence on the lander while no leg touches the ground. @default {false} */
  enableWind?: boolean;
  /** Largest horizontal wind force (Gymnasium recommends 0 to 20). @default {15} */
  windPower?: number;
  /** Largest turbulence torque (Gymnasium recommends 0 to 2). @default {1.5} */
  turbulencePower?: number;
}

/** The outline of every body in world coordinates (metres), for drawing a frame. */
export interface LunarLanderScene {
  /** Terrain vertices from x = 0 to x = 20, as `[x0, y0, x1, y1, ...]`. */
  readonly terrain: readonly number[];
  /** The flags' x positions and the pad's height. */
  readonly helipad: { readonly x1: number; readonly x2: number; readonly y: number };
  /** The lander's polygon, as `[x0, y0, x1, y1, ...]`. */
  readonly lander: readonly number[];
  /** Each leg's polygon, left then right. */
  readonly legs: readonly [readonly number[], readonly number[]];
  /** Each leg's ground contact. */
  readonly legContacts: readonly [boolean, boolean];
  /** The engines' throttles on the last step (0 when off): main, then the side engine (negative = left). */
  readonly throttles: readonly [number, number];
}

/**
 * LunarLander-v3 and LunarLanderContinuous-v3 (Gymnasium 1.x `LunarLander`) on the planck.js port of Box2D:
 * land a rocket on the pad between the flags at (0, 0). The world, terrain (11 chunks, random heights smoothed
 * around a flat pad), lander and spring-loaded legs, engines, observation scaling, reward shaping and
 * termination follow Gymnasium's `lunar_lander.py`; the physics engine is another port of Box2D, so
 * trajectories agree in behaviour, not to the last digit.
 *
 * - Actions, discrete: 0 nothing, 1 left orientation engine, 2 main engine, 3 right orientation engine.
 *   Continuous `[main, lateral]` in [-1, 1] (clipped): the main engine is off for `main <= 0` and throttles
 *   from 50% to 100% over (0, 1]; a side engine fires only when `|lateral| > 0.5`, at 50% to 100%.
 * - Observation: `[x, y, vx, vy, angle, angularVelocity, leftLegContact, rightLegContact]`, scaled as
 *   Gymnasium does (the pad at x = y = 0, the screen edges at x = +-1).
 * - Reward: the change of `-100 * distance - 100 * speed - 100 * |angle| + 10 * legsOnGround`, minus 0.3 per
 *   full-throttle main-engine step and 0.03 per side-engine step; a crash (the body touches the ground) or
 *   leaving the screen (`|x| >= 1`) ends the episode with -100, coming to rest (Box2D puts the lander to sleep)
 *   with +100. Use {@linkcode make} for the 1000-step time limit.
 *
 * Gymnasium's quirks are kept: a leg's contact flag is set when any contact with the ground begins and cleared
 * when any ends, so a leg touching two terrain edges at once (straddling a vertex) can read 0 while it stands on
 * the ground; observations may leave the v3 bounds when the lander flies far above the screen.
 *
 * Differences from Gymnasium that do not change the lander's dynamics: exhaust particles are not simulated
 * (Gymnasium's particles collide only with the ground, and the engines' impulses on the lander are applied in
 * full); random numbers come from ppo-flow's generator, so a seed gives other terrains than in Gymnasium.
 *
 * Snapshots (`getState`/`setState`) replay the episode: a planck world cannot be saved exactly (contact caches,
 * warm-starting impulses, sleep timers), so the state is the episode's seed followed by every action taken
 * since the reset, and `reset({ state })` rebuilds the world and replays them, reproducing the episode exactly.
 *
 * @example A free fall, and a crash
 * ```ts
 * import { LunarLander } from "./lunar_lander.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new LunarLander();
 * const { obs } = env.reset({ seed: 0 });
 * assert.equal(obs.length, 8);
 * assert.ok(Math.abs(obs[1]! - 1.4) < 0.05); // starts at the top of the screen
 * let step = env.step(0);
 * while (!step.terminated) step = env.step(0); // never firing an engine
 * assert.equal(step.reward, -100);
 * ```
 */
export class LunarLander extends BufferedEnv {
  /** Gymnasium v3's bounds: position +-2.5, velocities +-10, angle +-2 pi, leg contacts 0 or 1. */
  readonly observationSpace: Box = new Box(
    [-2.5, -2.5, -10, -10, -2 * Math.PI, -10, -0, -0],
    [2.5, 2.5, 10, 10, 2 * Math.PI, 10, 1, 1],
  );
  /** `Discrete(4)`, or `Box(-1, 1, [2])` when continuous. */
  readonly actionSpace: Discrete | Box;
  /** `LunarLander-v3` or `LunarLanderContinuous-v3`: 1000 steps, solved at 200. */
  readonly spec: EnvSpec;
  /** Whether actions are continuous throttles. */
  readonly continuous: boolean;
  /** Vertical gravity of the world. */
  readonly gravity: number;
  /** Whether wind and turbulence blow. */
  readonly enableWind: boolean;
  /** Largest wind force. */
  readonly windPower: number;
  /** Largest turbulence torque. */
  readonly turbulencePower: number;

  #world: World | null = null;
  #lander: Body | null = null;
  #legs: Body[] = [];
  #legContact = [false, false];
  #gameOver = false;
  #prevShaping: number | null = null;
  #windIndex = 0;
  #torqueIndex = 0;
  #terrain: number[] = [];
  #helipadX1 = 0;
  #helipadX2 = 0;
  #throttles: [number, number] = [0, 0];
  // Draws of the running episode (engine dispersion); seeded at reset from the env's generator.
  #episodeRng: Rng = new Rng(0);
  // The replay record: the episode seed, then every action since the reset.
  #record = new Float64Array(1024);
  #recordLength = 0;
  // Scratch vectors handed to planck, which copies them.
  #vector = { x: 0, y: 0 };
  #point = { x: 0, y: 0 };

  /**
   * Creates the environment; call `reset` before stepping.
   *
   * @param options Action kind, gravity and wind (Gymnasium's keyword arguments).
   * @throws {TypeError} When an option is unknown or of the wrong type.
   * @throws {RangeError} When `gravity` is not in (-12, 0), or a wind power is not finite.
   */
  constructor(options: LunarLanderOptions = {}) {
    super();
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Cannot create LunarLander as options must be an object: current value is ${describe(options)}`,
      );
    }
    for (const key of Object.keys(options)) {
      if (!(OPTION_KEYS as readonly string[]).includes(key)) {
        throw new TypeError(
          `Cannot create LunarLander as ${key} is not an option (known: ${
            OPTION_KEYS.join(", ")
          }): current value is ${describe((options as Record<string, unknown>)[key])}`,
        );
      }
    }
    this.continuous = option<boolean>(options, "continuous", false);
    this.gravity = option<number>(options, "gravity", -10);
    this.enableWind = option<boolean>(options, "enableWind", false);
    this.windPower = option<number>(options, "windPower", 15);
    this.turbulencePower = option<number>(options, "turbulencePower", 1.5);
    if (!(this.gravity > -12 && this.gravity < 0)) {
      throw new RangeError(
        `Cannot create LunarLander as gravity must be in (-12, 0): current value is ${
          describe(this.gravity)
        }`,
      );
    }
    for (const key of ["windPower", "turbulencePower"] as const) {
      if (!Number.isFinite(this[key])) {
        throw new RangeError(
          `Cannot create LunarLander as ${key} must be a finite number: current value is ${
            describe(this[key])
          }`,
        );
      }
    }
    this.actionSpace = this.continuous ? new Box(-1, 1, [2]) : new Discrete(4);
    this.spec = {
      id: this.continuous ? "LunarLanderContinuous-v3" : "LunarLander-v3",
      maxEpisodeSteps: 1000,
      rewardThreshold: 200,
    };
  }

  /** The replay record: the episode seed, then every action since the reset. */
  protected override physicalState(): ArrayLike<number> | null {
    return this.#world === null ? null : this.#record.subarray(0, this.#recordLength);
  }

  /** Always true: `reset({ state })` replays a recorded episode exactly. */
  protected override canRestoreState(): boolean {
    return true;
  }

  /**
   * Starts an episode: a new terrain, the lander at the top centre with a random push. With `options.state`
   * (a replay record from `getState()`: the episode seed, then the actions taken), it rebuilds that episode
   * and replays the actions instead.
   *
   * @throws {TypeError} When `options.state` is not a replay record of this environment's actions.
   */
  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    const rng = this.resetRng(options, -1);
    const state = options?.state;
    if (state === undefined) {
      this.#begin(rng.nextUint32());
    } else {
      this.#checkRecord(state);
      this.#begin(state[0]!);
      const step = this.continuous ? 2 : 1;
      const out: StepOutput = { obs, offset, reward: 0, terminated: false, truncated: false };
      for (let i = 1; i < state.length; i += step) this.stepInto(state, i, out);
    }
    this.#observe(obs, offset);
  }

  /**
   * Fires the engines the action asks for, steps the world by 1/50 s and writes the observation, the reward
   * and whether the lander crashed, left the screen or came to rest.
   */
  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    if (this.#world === null) throw this.notResetError();
    let mainPower = 0;
    let sidePower = 0;
    let direction = 0;
    if (this.continuous) {
      const main = clip(actions[offset]!, -1, 1);
      const lateral = clip(actions[offset + 1]!, -1, 1);
      this.#remember(main, lateral);
      if (main > 0) mainPower = (main + 1) * 0.5;
      if (Math.abs(lateral) > 0.5) {
        direction = Math.sign(lateral);
        sidePower = Math.abs(lateral);
      }
    } else {
      const action = actions[offset]!;
      this.#remember(action, null);
      if (action === 2) mainPower = 1;
      else if (action === 1 || action === 3) {
        direction = action - 2;
        sidePower = 1;
      }
    }
    out.reward = this.#advance(mainPower, direction, sidePower);
    this.#observe(out.obs, out.offset);
    out.terminated = this.#gameOver || Math.abs(this.#x()) >= 1;
    if (out.terminated) out.reward = -100;
    if (!this.#lander!.isAwake()) {
      out.terminated = true;
      out.reward = 100;
    }
    out.truncated = false;
  }

  /**
   * The outline of every body and the terrain, for rendering a frame.
   *
   * @throws {Error} Before the first reset.
   */
  scene(): LunarLanderScene {
    const lander = this.#lander;
    if (lander === null) {
      throw new Error(`Cannot draw ${this.spec.id} as it has not been reset: call reset() first`);
    }
    return {
      terrain: [...this.#terrain],
      helipad: { x1: this.#helipadX1, x2: this.#helipadX2, y: HELIPAD_Y },
      lander: outline(lander),
      legs: [outline(this.#legs[0]!), outline(this.#legs[1]!)],
      legContacts: [this.#legContact[0]!, this.#legContact[1]!],
      throttles: [this.#throttles[0], this.#throttles[1]],
    };
  }

  /** Builds a fresh world for the episode drawn from `seed`, and takes Gymnasium's initial no-op step. */
  #begin(seed: number): void {
    const rng = new Rng(seed);
    this.#episodeRng = rng;
    this.#record[0] = seed;
    this.#recordLength = 1;
    // A fresh world per episode keeps an episode independent of the ones before it (broad-phase proxy ids and
    // contact order depend on the world's history).
    const world = new World({ gravity: { x: 0, y: this.gravity } });
    this.#world = world;
    this.#gameOver = false;
    this.#prevShaping = null;
    this.#legContact[0] = false;
    this.#legContact[1] = false;

    const height: number[] = [];
    for (let i = 0; i <= CHUNKS; i++) height.push(rng.uniform(0, H / 2));
    const chunkX: number[] = [];
    for (let i = 0; i < CHUNKS; i++) chunkX.push(W / (CHUNKS - 1) * i);
    const half = Math.floor(CHUNKS / 2);
    this.#helipadX1 = chunkX[half - 1]!;
    this.#helipadX2 = chunkX[half + 1]!;
    for (let i = half - 2; i <= half + 2; i++) height[i] = HELIPAD_Y;
    // Gymnasium smooths with Python indexing, where height[-1] is the extra last height.
    const smoothY: number[] = [];
    for (let i = 0; i < CHUNKS; i++) {
      smoothY.push(0.33 * (height.at(i - 1)! + height[i]! + height[i + 1]!));
    }
    const moon = world.createBody();
    moon.createFixture({ shape: new EdgeShape({ x: 0, y: 0 }, { x: W, y: 0 }) });
    this.#terrain = [];
    for (let i = 0; i < CHUNKS - 1; i++) {
      const p1 = { x: chunkX[i]!, y: smoothY[i]! };
      const p2 = { x: chunkX[i + 1]!, y: smoothY[i + 1]! };
      moon.createFixture({ shape: new EdgeShape(p1, p2), density: 0, friction: 0.1 });
      this.#terrain.push(p1.x, p1.y);
    }
    this.#terrain.push(chunkX[CHUNKS - 1]!, smoothY[CHUNKS - 1]!);

    const initialX = W / 2;
    const initialY = H;
    const lander = world.createDynamicBody({ position: { x: initialX, y: initialY }, angle: 0 });
    lander.createFixture({
      shape: new PolygonShape(LANDER_POLY.map(([x, y]) => ({ x: x / SCALE, y: y / SCALE }))),
      density: 5,
      friction: 0.1,
      filterCategoryBits: LANDER,
      filterMaskBits: GROUND,
      restitution: 0,
    });
    this.#lander = lander;
    lander.applyForceToCenter(
      { x: rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM), y: rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM) },
      true,
    );
    if (this.enableWind) {
      // Gymnasium draws the wind and turbulence phases from integers(-9999, 9999).
      this.#windIndex = rng.integer(19998) - 9999;
      this.#torqueIndex = rng.integer(19998) - 9999;
    }

    this.#legs = [];
    for (const side of [-1, 1]) {
      const leg = world.createDynamicBody({
        position: { x: initialX - side * LEG_AWAY / SCALE, y: initialY },
        angle: side * 0.05,
      });
      leg.createFixture({
        shape: new BoxShape(LEG_W / SCALE, LEG_H / SCALE),
        density: 1,
        restitution: 0,
        filterCategoryBits: LEG,
        filterMaskBits: GROUND,
      });
      // The reference angle is 0 as in Box2D's joint definition (planck would default to the current angle).
      world.createJoint(
        new RevoluteJoint({
          bodyA: lander,
          bodyB: leg,
          localAnchorA: { x: 0, y: 0 },
          localAnchorB: { x: side * LEG_AWAY / SCALE, y: LEG_DOWN / SCALE },
          referenceAngle: 0,
          enableMotor: true,
          enableLimit: true,
          maxMotorTorque: LEG_SPRING_TORQUE,
          motorSpeed: 0.3 * side,
          lowerAngle: side === -1 ? 0.9 - 0.5 : -0.9,
          upperAngle: side === -1 ? 0.9 : -0.9 + 0.5,
        }),
      );
      this.#legs.push(leg);
    }
    world.on("begin-contact", (contact) => this.#contact(contact, true));
    world.on("end-contact", (contact) => this.#contact(contact, false));
    this.#advance(0, 0, 0);
  }

  #contact(contact: Contact, begins: boolean): void {
    const a = contact.getFixtureA().getBody();
    const b = contact.getFixtureB().getBody();
    if (begins && (a === this.#lander || b === this.#lander)) this.#gameOver = true;
    for (let i = 0; i < 2; i++) {
      const leg = this.#legs[i];
      if (a === leg || b === leg) this.#legContact[i] = begins;
    }
  }

  /** Applies wind and the engines, steps the world and returns the shaping reward minus fuel. */
  #advance(mainPower: number, direction: number, sidePower: number): number {
    const lander = this.#lander!;
    const vector = this.#vector;
    const point = this.#point;
    if (this.enableWind && !this.#legContact[0] && !this.#legContact[1]) {
      vector.x = windCurve(this.#windIndex) * this.windPower;
      vector.y = 0;
      this.#windIndex++;
      lander.applyForceToCenter(vector, true);
      lander.applyTorque(windCurve(this.#torqueIndex) * this.turbulencePower, true);
      this.#torqueIndex++;
    }
    const angle = lander.getAngle();
    const tipX = Math.sin(angle);
    const tipY = Math.cos(angle);
    const sideX = -tipY;
    const sideY = tipX;
    const rng = this.#episodeRng;
    const dispersion0 = rng.uniform(-1, 1) / SCALE;
    const dispersion1 = rng.uniform(-1, 1) / SCALE;
    const position = lander.getPosition();
    if (mainPower > 0) {
      const along = MAIN_ENGINE_Y_LOCATION / SCALE + 2 * dispersion0;
      const ox = tipX * along + sideX * dispersion1;
      const oy = -tipY * along - sideY * dispersion1;
      point.x = position.x + ox;
      point.y = position.y + oy;
      vector.x = -ox * MAIN_ENGINE_POWER * mainPower;
      vector.y = -oy * MAIN_ENGINE_POWER * mainPower;
      lander.applyLinearImpulse(vector, point, true);
    }
    if (sidePower > 0) {
      const across = 3 * dispersion1 + direction * SIDE_ENGINE_AWAY / SCALE;
      const ox = tipX * dispersion0 + sideX * across;
      const oy = -tipY * dispersion0 - sideY * across;
      // Gymnasium offsets x by 17 pixels but y by SIDE_ENGINE_HEIGHT (14): the torque depends on the tilt.
      point.x = position.x + ox - tipX * 17 / SCALE;
      point.y = position.y + oy + tipY * SIDE_ENGINE_HEIGHT / SCALE;
      vector.x = -ox * SIDE_ENGINE_POWER * sidePower;
      vector.y = -oy * SIDE_ENGINE_POWER * sidePower;
      lander.applyLinearImpulse(vector, point, true);
    }
    this.#throttles[0] = mainPower;
    this.#throttles[1] = direction * sidePower;
    this.#world!.step(1 / FPS, VELOCITY_ITERATIONS, POSITION_ITERATIONS);

    const p = lander.getPosition();
    const v = lander.getLinearVelocity();
    const x = (p.x - W / 2) / (W / 2);
    const y = (p.y - (HELIPAD_Y + LEG_DOWN / SCALE)) / (H / 2);
    const vx = v.x * (W / 2) / FPS;
    const vy = v.y * (H / 2) / FPS;
    const shaping = -100 * Math.sqrt(x * x + y * y) - 100 * Math.sqrt(vx * vx + vy * vy) -
      100 * Math.abs(lander.getAngle()) + 10 * (this.#legContact[0] ? 1 : 0) +
      10 * (this.#legContact[1] ? 1 : 0);
    const reward = this.#prevShaping === null ? 0 : shaping - this.#prevShaping;
    this.#prevShaping = shaping;
    return reward - mainPower * 0.3 - sidePower * 0.03;
  }

  #x(): number {
    return (this.#lander!.getPosition().x - W / 2) / (W / 2);
  }

  #observe(obs: Float32Array, offset: number): void {
    const lander = this.#lander!;
    const p = lander.getPosition();
    const v = lander.getLinearVelocity();
    obs[offset] = (p.x - W / 2) / (W / 2);
    obs[offset + 1] = (p.y - (HELIPAD_Y + LEG_DOWN / SCALE)) / (H / 2);
    obs[offset + 2] = v.x * (W / 2) / FPS;
    obs[offset + 3] = v.y * (H / 2) / FPS;
    obs[offset + 4] = lander.getAngle();
    obs[offset + 5] = 20 * lander.getAngularVelocity() / FPS;
    obs[offset + 6] = this.#legContact[0] ? 1 : 0;
    obs[offset + 7] = this.#legContact[1] ? 1 : 0;
  }

  #remember(first: number, second: number | null): void {
    const needed = this.#recordLength + 2;
    if (needed > this.#record.length) {
      const grown = new Float64Array(this.#record.length * 2);
      grown.set(this.#record);
      this.#record = grown;
    }
    this.#record[this.#recordLength++] = first;
    if (second !== null) this.#record[this.#recordLength++] = second;
  }

  #checkRecord(state: ArrayLike<number>): void {
    const id = this.spec.id;
    const seed = state[0];
    if (seed === undefined || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new TypeError(
        `Cannot reset ${id} as state must start with the episode seed, an integer in [0, 2^32): current value is ${
          describe(state)
        }`,
      );
    }
    if (this.continuous) {
      if ((state.length - 1) % 2 !== 0) {
        throw new TypeError(
          `Cannot reset ${id} as state must hold the seed and pairs of actions: current value has ${state.length} numbers`,
        );
      }
      return;
    }
    for (let i = 1; i < state.length; i++) {
      const action = state[i]!;
      if (!(Number.isInteger(action) && action >= 0 && action < 4)) {
        throw new TypeError(
          `Cannot reset ${id} as state must hold actions in [0, 4) after the seed: current value is ${
            describe(action)
          } at index ${i}`,
        );
      }
    }
  }
}

/** Gymnasium's wind profile tanh(sin(2 k t) + sin(pi k t)) with k = 0.01, never periodic. */
function windCurve(t: number): number {
  return Math.tanh(Math.sin(0.02 * t) + Math.sin(Math.PI * 0.01 * t));
}

function clip(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

function outline(body: Body): number[] {
  const shape = body.getFixtureList()!.getShape() as PolygonShape;
  const points: number[] = [];
  for (const vertex of shape.m_vertices) {
    const world = body.getWorldPoint(vertex);
    points.push(world.x, world.y);
  }
  return points;
}

function option<T extends boolean | number>(
  options: LunarLanderOptions,
  key: keyof LunarLanderOptions,
  fallback: T,
): T {
  const value: unknown = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== typeof fallback) {
    throw new TypeError(
      `Cannot create LunarLander as ${key} must be a ${typeof fallback}: current value is ${describe(value)}`,
    );
  }
  return value as T;
}
