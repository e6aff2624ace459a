import assert from "node:assert/strict";
import { Rng } from "../../src/core/rng.ts";
import { LunarLander } from "../../src/envs/lunar_lander.ts";
import { make } from "../../src/envs/make.ts";
import type { Action } from "../../src/envs/types.ts";
import { VecEnv, type VecEnvState } from "../../src/envs/vec_env.ts";

type Policy = (obs: Float32Array) => Action;

/**
 * A hand-tuned PD rule on the observation. The lander leans toward the pad (a lean proportional to the offset
 * and the drift, at most 0.4 rad) and follows a glide path whose height shrinks as it centres (or holds
 * `hoverHeight`); once a leg touches, it only brakes the descent.
 */
function pdController(continuous: boolean, hoverHeight: number | null = null): Policy {
  return (obs) => {
    const [x, y, vx, vy, angle, spin, left, right] = Array.from(obs) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const lean = Math.min(Math.max(0.4 * x + 1.2 * vx, -0.4), 0.4);
    let turn = 0.5 * (lean - angle) - 1.0 * spin;
    let lift = 0.5 * ((hoverHeight ?? 0.6 * Math.abs(x)) - y) - 0.5 * vy;
    if (left === 1 || right === 1) {
      turn = 0;
      lift = -0.5 * vy;
    }
    if (continuous) {
      return [Math.min(Math.max(20 * lift - 1, -1), 1), Math.min(Math.max(-20 * turn, -1), 1)];
    }
    if (lift > Math.abs(turn) && lift > 0.05) return 2;
    if (turn < -0.05) return 3;
    if (turn > 0.05) return 1;
    return 0;
  };
}

function randomPolicy(env: LunarLander, seed: number): Policy {
  const rng = new Rng(seed);
  return () => env.continuous ? [rng.uniform(-1, 1), rng.uniform(-1, 1)] : rng.integer(4);
}

interface Episode {
  return: number;
  length: number;
  lastReward: number;
  terminated: boolean;
  observations: Float32Array[];
}

function runEpisode(env: LunarLander, policy: Policy, seed: number, maxSteps = 1000): Episode {
  let { obs } = env.reset({ seed });
  const observations = [obs];
  let total = 0;
  for (let t = 1; t <= maxSteps; t++) {
    const step = env.step(policy(obs));
    obs = step.obs;
    observations.push(obs);
    total += step.reward;
    if (step.terminated) {
      return { return: total, length: t, lastReward: step.reward, terminated: true, observations };
    }
  }
  return { return: total, length: maxSteps, lastReward: 0, terminated: false, observations };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

Deno.test("LunarLander-v3: a random policy's mean return over 100 episodes is in Gymnasium's range", () => {
  const env = new LunarLander();
  const policy = randomPolicy(env, 7);
  const returns = Array.from({ length: 100 }, (_, i) => runEpisode(env, policy, i).return);
  // Measured: -191 (Gymnasium's random policy scores about -180 to -200).
  const average = mean(returns);
  assert.ok(average > -300 && average < -100, `mean return ${average}`);
});

Deno.test("LunarLanderContinuous-v3: a random policy's mean return over 100 episodes is in range", () => {
  const env = new LunarLander({ continuous: true });
  const policy = randomPolicy(env, 8);
  const returns = Array.from({ length: 100 }, (_, i) => runEpisode(env, policy, i).return);
  // Measured: about -190.
  const average = mean(returns);
  assert.ok(average > -400 && average < -50, `mean return ${average}`);
});

for (const continuous of [false, true]) {
  const id = continuous ? "LunarLanderContinuous-v3" : "LunarLander-v3";
  Deno.test(`${id}: a PD landing controller averages over 200 on 20 seeded episodes`, () => {
    const env = new LunarLander({ continuous });
    const episodes = Array.from({ length: 20 }, (_, i) => runEpisode(env, pdController(continuous), 100 + i));
    // Measured: discrete mean 258 with 20 of 20 at rest (+100), continuous mean 264 with 19 of 20; over 40
    // seeds 240 (38 landed) and 273 (39 landed). Like Gymnasium's heuristic, a rule this simple sometimes
    // touches down too hard.
    const average = mean(episodes.map((e) => e.return));
    assert.ok(average > 200, `mean return ${average}`);
    const landed = episodes.filter((e) => e.terminated && e.lastReward === 100).length;
    assert.ok(landed >= 18, `${landed} of 20 came to rest`);
  });
}

Deno.test("LunarLander-v3: touching down on the pad sets both leg flags and resting ends with +100", () => {
  const env = new LunarLander();
  let centred = 0;
  let onPad = 0;
  for (let seed = 0; seed < 10; seed++) {
    const { observations, lastReward } = runEpisode(env, pdController(false), seed);
    const touchdown = observations.findIndex((obs) => obs[6] === 1 || obs[7] === 1);
    assert.ok(touchdown > 0, `seed ${seed}: a leg touched the ground`);
    assert.ok(observations[touchdown]![1]! < 0.1, `seed ${seed}: no contact before the lander is down`);
    if (lastReward !== 100) continue;
    const last = observations.at(-1)!;
    // Between the flags (x = +-0.2) the lander stands on the pad, at y = 0.
    if (Math.abs(last[0]!) < 0.2) {
      assert.ok(Math.abs(last[1]!) < 0.04, `seed ${seed}: y = ${last[1]} is on the pad`);
      onPad++;
    }
    // Centred, each leg stands on one edge of the pad. (A leg that straddles the pad's middle vertex touches two
    // edges; as in Gymnasium, the first of those contacts to end clears the flag although the leg stays down.)
    if (Math.abs(last[0]!) < 0.05) {
      assert.deepEqual([last[6], last[7]], [1, 1], `seed ${seed}: both legs on the pad`);
      centred++;
    }
  }
  // Measured: 9 of 10 at rest between the flags, 2 of them centred.
  assert.ok(onPad >= 7, `${onPad} of 10 landed on the pad`);
  assert.ok(centred >= 1, `${centred} of 10 landed centred`);
});

Deno.test("LunarLander-v3: a free fall crashes the body into the ground and terminates with -100", () => {
  const env = new LunarLander();
  for (const seed of [0, 1, 2]) {
    const episode = runEpisode(env, () => 0, seed);
    assert.equal(episode.terminated, true);
    assert.equal(episode.lastReward, -100);
    assert.ok(episode.length < 200, `crashed after ${episode.length} steps`);
  }
});

Deno.test("LunarLander-v3: flying off the side of the screen terminates with -100", () => {
  const env = new LunarLander();
  // Hold a lean of 0.5 rad to the left with the orientation engines and fire the main engine in between.
  const episode = runEpisode(env, (obs) => {
    const turn = 0.5 * (0.5 - obs[4]!) - obs[5]!;
    return Math.abs(turn) > 0.05 ? (turn > 0 ? 1 : 3) : 2;
  }, 4);
  const last = episode.observations.at(-1)!;
  assert.equal(episode.terminated, true);
  assert.equal(episode.lastReward, -100);
  assert.ok(Math.abs(last[0]!) >= 1, `x = ${last[0]}`);
});

Deno.test("LunarLander-v3: make() truncates a hovering lander at 1000 steps", () => {
  const env = make("LunarLander-v3");
  assert.deepEqual(env.spec, { id: "LunarLander-v3", maxEpisodeSteps: 1000, rewardThreshold: 200 });
  let { obs } = env.reset({ seed: 5 });
  const hover = pdController(false, 0.8);
  let steps = 0;
  for (;;) {
    const step = env.step(hover(obs));
    obs = step.obs;
    steps++;
    assert.equal(step.terminated, false, `terminated at step ${steps}`);
    if (step.truncated) break;
  }
  assert.equal(steps, 1000);
});

Deno.test("LunarLander: observations stay inside the v3 observation space", () => {
  for (const continuous of [false, true]) {
    const env = new LunarLander({ continuous });
    assert.deepEqual(
      Array.from(env.observationSpace.high),
      [2.5, 2.5, 10, 10, Math.fround(2 * Math.PI), 10, 1, 1],
    );
    assert.deepEqual(
      Array.from(env.observationSpace.low),
      [-2.5, -2.5, -10, -10, Math.fround(-2 * Math.PI), -10, -0, -0],
    );
    const policies = [randomPolicy(env, 1), pdController(continuous)];
    for (let i = 0; i < 20; i++) {
      for (const obs of runEpisode(env, policies[i % 2]!, i).observations) {
        assert.ok(env.observationSpace.contains(obs), `observation ${obs}`);
      }
    }
  }
});

Deno.test("LunarLander: the same seed and actions give the same episode, another seed another terrain", () => {
  for (const continuous of [false, true]) {
    const a = new LunarLander({ continuous, enableWind: true });
    const b = new LunarLander({ continuous, enableWind: true });
    // b plays a different episode first: the world's history must not leak into the next one.
    runEpisode(b, randomPolicy(b, 3), 99, 50);
    const first = runEpisode(a, randomPolicy(a, 4), 12);
    const second = runEpisode(b, randomPolicy(b, 4), 12);
    assert.deepEqual(second, first);
    assert.deepEqual(a.scene().terrain, b.scene().terrain);
    a.reset({ seed: 13 });
    assert.notDeepEqual(a.scene().terrain, b.scene().terrain);
  }
});

Deno.test("LunarLanderContinuous-v3 follows the throttle rules, matching the discrete engines at full power", () => {
  const continuous = new LunarLander({ continuous: true });
  const discrete = new LunarLander();
  const pairs: [number[], number][] = [[[1, 0], 2], [[-1, -1], 1], [[-1, 1], 3], [[0, 0.5], 0], [
    [-0.3, -0.5],
    0,
  ]];
  for (const [action, equivalent] of pairs) {
    continuous.reset({ seed: 8 });
    discrete.reset({ seed: 8 });
    for (let t = 0; t < 30; t++) {
      assert.deepEqual(continuous.step(action), discrete.step(equivalent), `${action} ~ ${equivalent}`);
    }
  }
  continuous.reset({ seed: 8 });
  continuous.step([0.5, -0.75]);
  assert.deepEqual(continuous.scene().throttles, [0.75, -0.75]);
  continuous.step([2, 0.6]); // clipped to [1, 0.6]
  assert.deepEqual(continuous.scene().throttles, [1, 0.6]);
  continuous.step([0, -0.5]); // main off at 0, side engines off at |lateral| = 0.5
  assert.deepEqual(continuous.scene().throttles, [0, 0]);
});

Deno.test("LunarLander: the first step's reward is the fuel cost, a step's reward the change in shaping", () => {
  const env = new LunarLander();
  const twin = new LunarLander();
  env.reset({ seed: 2 });
  twin.reset({ seed: 2 });
  const shaping = (o: Float32Array) =>
    -100 * Math.hypot(o[0]!, o[1]!) - 100 * Math.hypot(o[2]!, o[3]!) - 100 * Math.abs(o[4]!) + 10 * o[6]! +
    10 * o[7]!;
  let previous = env.step(0).obs;
  twin.step(0);
  for (const action of [2, 1, 3, 0]) {
    const step = env.step(action);
    const fuel = action === 2 ? 0.3 : action === 0 ? 0 : 0.03;
    // The observation is float32, the reward is computed from float64 state.
    assert.ok(Math.abs(step.reward - (shaping(step.obs) - shaping(previous) - fuel)) < 1e-3);
    previous = step.obs;
  }
});

Deno.test("LunarLander: weaker gravity falls slower, and wind pushes the lander sideways", () => {
  const strong = new LunarLander({ gravity: -11.9 });
  const weak = new LunarLander({ gravity: -2 });
  strong.reset({ seed: 1 });
  weak.reset({ seed: 1 });
  for (let t = 0; t < 20; t++) {
    strong.step(0);
    weak.step(0);
  }
  assert.ok(weak.step(0).obs[3]! > strong.step(0).obs[3]!);
  const calm = new LunarLander();
  const windy = new LunarLander({ enableWind: true, windPower: 20, turbulencePower: 2 });
  const calmEpisode = runEpisode(calm, () => 0, 6, 40);
  const windyEpisode = runEpisode(windy, () => 0, 6, 40);
  assert.notEqual(calmEpisode.observations.at(-1)![2], windyEpisode.observations.at(-1)![2]);
});

Deno.test("VecEnv of LunarLander-v3 continues exactly from a JSON round trip of getState()", () => {
  for (const id of ["LunarLander-v3", "LunarLanderContinuous-v3"]) {
    const original = new VecEnv(id, 3, { seed: 21, maxEpisodeSteps: 60 });
    original.reset();
    const rng = new Rng(1);
    const actions = new Float32Array(3 * original.actionDim);
    const trace = (envs: VecEnv, steps: number) => {
      const out: unknown[] = [];
      for (let t = 0; t < steps; t++) {
        for (let i = 0; i < actions.length; i++) {
          actions[i] = original.actionDim === 1 ? rng.integer(4) : rng.uniform(-1, 1);
        }
        const result = envs.step(actions);
        out.push([[...result.obs], [...result.rewards], [...result.done], structuredClone(result.episodes)]);
      }
      return out;
    };
    trace(original, 75);
    const snapshot = JSON.parse(JSON.stringify(original.getState())) as VecEnvState;
    const resumed = new VecEnv(id, 3, { maxEpisodeSteps: 60 });
    resumed.setState(snapshot);
    const state = rng.getState();
    const expected = trace(original, 120);
    rng.setState(state);
    assert.deepEqual(trace(resumed, 120), expected);
  }
});

Deno.test("LunarLander rejects bad options, actions and replay states with clear errors", () => {
  assert.throws(
    () => new LunarLander({ gravity: -12 }),
    new RangeError("Cannot create LunarLander as gravity must be in (-12, 0): current value is -12"),
  );
  assert.throws(() => new LunarLander({ gravity: 0 }), RangeError);
  assert.throws(() => new LunarLander({ gravity: NaN }), RangeError);
  assert.throws(() => new LunarLander({ windPower: Infinity }), RangeError);
  assert.throws(
    () => make("LunarLander-v3", { envOptions: { gravty: -5 } }),
    new TypeError(
      "Cannot create LunarLander as gravty is not an option (known: continuous, gravity, enableWind, windPower, turbulencePower): current value is -5",
    ),
  );
  assert.throws(
    () => make("LunarLander-v3", { envOptions: { gravity: "-5" } }),
    new TypeError('Cannot create LunarLander as gravity must be a number: current value is "-5"'),
  );
  assert.equal(make("LunarLander-v3", { envOptions: { continuous: true } }).spec.id, "LunarLander-v3");
  assert.equal(make("LunarLanderContinuous-v3", { envOptions: { gravity: -5 } }).actionSpace.kind, "box");

  const env = new LunarLander();
  assert.throws(() => env.step(0), /Cannot step LunarLander-v3 as it has not been reset/);
  assert.throws(() => env.scene(), /Cannot draw LunarLander-v3 as it has not been reset/);
  env.reset({ seed: 1 });
  assert.throws(
    () => env.step(4),
    new RangeError(
      "Cannot step LunarLander-v3 as the action must be an integer in [0, 4): current value is 4",
    ),
  );
  assert.throws(() => env.reset({ state: [-1] }), TypeError);
  assert.throws(() => env.reset({ state: [1, 2, 7] }), /state must hold actions in \[0, 4\)/);
  const continuous = new LunarLander({ continuous: true });
  continuous.reset({ seed: 1 });
  assert.throws(() => continuous.step([0]), TypeError);
  assert.throws(() => continuous.step([0, NaN]), RangeError);
  assert.throws(() => continuous.reset({ state: [1, 0.5] }), /pairs of actions/);
});
