import assert from "node:assert/strict";
import { make } from "../../src/envs/make.ts";

// Gymnasium's own trajectories, recorded once (how: tests/data/gym/README.md).
const DATA = new URL("../data/gym/", import.meta.url);
const ENV_IDS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"];

type Bound = number | "Infinity" | "-Infinity";
interface RecordedSpace {
  type: "Box" | "Discrete";
  shape?: number[];
  low?: Bound[];
  high?: Bound[];
  n?: number;
}
interface RecordedStep {
  action: number | number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  state: number[];
}
interface Trajectory {
  seed: number;
  policy: string;
  initial_state: number[];
  initial_obs: number[];
  length: number;
  end: "terminated" | "truncated";
  steps: RecordedStep[];
}
interface Recording {
  env_id: string;
  spec: {
    max_episode_steps: number;
    reward_threshold: number | null;
    observation_space: RecordedSpace;
    action_space: RecordedSpace;
  };
  trajectories: Trajectory[];
}

function load(id: string): Recording {
  return JSON.parse(Deno.readTextFileSync(new URL(`${id}.json`, DATA))) as Recording;
}

function assertObsClose(actual: Float32Array, expected: number[], where: string): void {
  assert.equal(actual.length, expected.length, `${where}: observation length`);
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i]! - expected[i]!);
    assert.ok(error <= 1e-5, `${where}: obs[${i}] is ${actual[i]}, expected ${expected[i]} (error ${error})`);
  }
}

for (const id of ENV_IDS) {
  const recording = load(id);

  Deno.test(`make("${id}") has Gymnasium's spec and spaces`, () => {
    const env = make(id);
    assert.deepEqual(env.spec, {
      id,
      maxEpisodeSteps: recording.spec.max_episode_steps,
      rewardThreshold: recording.spec.reward_threshold,
    });
    const obsSpace = recording.spec.observation_space;
    assert.deepEqual(env.observationSpace.toJSON(), {
      type: "Box",
      shape: obsSpace.shape,
      low: obsSpace.low,
      high: obsSpace.high,
    });
    const actionSpace = recording.spec.action_space;
    if (actionSpace.type === "Discrete") {
      assert.deepEqual(env.actionSpace.toJSON(), { type: "Discrete", n: actionSpace.n, start: 0 });
    } else {
      assert.deepEqual(env.actionSpace.toJSON(), {
        type: "Box",
        shape: actionSpace.shape,
        low: actionSpace.low,
        high: actionSpace.high,
      });
    }
  });

  for (const trajectory of recording.trajectories) {
    const name = `${id} replays Gymnasium's ${trajectory.policy} trajectory (seed ${trajectory.seed}, ` +
      `${trajectory.length} steps, ${trajectory.end})`;
    Deno.test(name, () => {
      const env = make(id);
      const { obs } = env.reset({ state: trajectory.initial_state });
      assertObsClose(obs, trajectory.initial_obs, "reset");
      assert.equal(trajectory.steps.length, trajectory.length);
      trajectory.steps.forEach((recorded, t) => {
        const step = env.step(recorded.action);
        const where = `step ${t}`;
        assertObsClose(step.obs, recorded.obs, where);
        const error = Math.abs(step.reward - recorded.reward);
        assert.ok(
          error <= 1e-5 * Math.abs(recorded.reward) || error === 0,
          `${where}: reward is ${step.reward}, expected ${recorded.reward}`,
        );
        assert.equal(step.terminated, recorded.terminated, `${where}: terminated`);
        assert.equal(step.truncated, recorded.truncated, `${where}: truncated`);
        // The float64 state agrees far below float32 resolution (exactly, except for Acrobot's chaotic swings).
        const state = env.getState()!.state;
        recorded.state.forEach((v, i) => {
          assert.ok(Math.abs(state[i]! - v) <= 1e-6, `${where}: state[${i}] is ${state[i]}, expected ${v}`);
        });
      });
      assert.equal(trajectory.steps.at(-1)?.[trajectory.end], true);
    });
  }
}
