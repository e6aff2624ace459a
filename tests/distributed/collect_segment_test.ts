import assert from "node:assert/strict";
import { resolveConfig } from "../../src/config/ppo_config.ts";
import { SegmentCollector } from "../../src/distributed/collect_segment.ts";
import { shardRanges } from "../../src/distributed/remote_rollout.ts";
import type { RolloutTask } from "../../src/distributed/rollout_task.ts";
import { parseRolloutTask } from "../../src/distributed/rollout_task.ts";
import { decodeSegment, encodeSegment, type Segment } from "../../src/distributed/segment_codec.ts";
import { createAgent } from "../../src/train/create_agent.ts";

/** A learner's agent and the tasks of its first iteration, split into `shards`. */
async function firstIteration(envId: string, numEnvs: number, shards: number) {
  const config = resolveConfig({ envId, numEnvs, numSteps: 16, numMinibatches: 2, engine: "reference" });
  const agent = await createAgent(config);
  const state = agent.vecEnv.getState()!;
  const params = agent.engine.getParams();
  const tasks = shardRanges(numEnvs, shards).map(([offset, size], shard): RolloutTask => ({
    kind: "ppo-flow/rollout-task",
    run: "test",
    iteration: 1,
    policyVersion: 0,
    shard,
    offset,
    totalEnvs: numEnvs,
    numEnvs: size,
    numSteps: config.numSteps,
    envId,
    maxEpisodeSteps: config.maxEpisodeSteps === Infinity ? "Infinity" : config.maxEpisodeSteps,
    clipActions: config.clipActions,
    network: agent.layout.config,
    engine: agent.engine.engine,
    weights: { store: "kv", key: "w", bytes: params.length * 4, crc: 0 },
    envStates: {
      id: state.id,
      envs: state.envs.slice(offset, offset + size),
      returns: state.returns.slice(offset, offset + size),
      lengths: state.lengths.slice(offset, offset + size),
    },
    rng: agent.collector.getState().rng,
    resultSubject: "ppoflow.result.test",
    attempt: 0,
  }));
  return { agent, tasks, params, config };
}

Deno.test("shards stepped apart and joined equal the whole vector stepped by the learner's collector", async () => {
  for (const envId of ["CartPole-v1", "Pendulum-v1"]) {
    const { agent, tasks, params, config } = await firstIteration(envId, 5, 2);
    const workers = new SegmentCollector();
    const segments: Segment[] = [];
    for (const task of tasks) {
      segments.push(await workers.collect(parseRolloutTask(toBytes(task)), () => copy(params)));
    }
    const n = 5;
    for (let t = 0; t < config.numSteps; t++) {
      const step = await agent.collector.step();
      for (const [s, [offset, size]] of shardRanges(n, 2).entries()) {
        const segment = segments[s]!;
        const rows = (a: Float32Array, width: number) =>
          Array.from(a.subarray(t * size * width, (t + 1) * size * width));
        const whole = (a: Float32Array, width: number) =>
          Array.from(a.subarray(offset * width, (offset + size) * width));
        assert.deepEqual(rows(segment.obs, agent.collector.obsDim), whole(step.obs, agent.collector.obsDim));
        assert.deepEqual(
          rows(segment.actions, agent.collector.actionDim),
          whole(step.actions, agent.collector.actionDim),
        );
        assert.deepEqual(rows(segment.logProbs, 1), whole(step.logProbs, 1));
        assert.deepEqual(rows(segment.values, 1), whole(step.values, 1));
      }
    }
    // Every shard drew the whole vector's noise: the generator ends where the learner's does.
    for (const segment of segments) assert.deepEqual(segment.rng, agent.collector.getState().rng);
    assert.deepEqual(segments.flatMap((s) => s.envStates.envs), agent.vecEnv.getState()!.envs);
    await workers.dispose();
    await agent.dispose();
  }
});

Deno.test("a redelivered task gives the same segment, byte for byte, on a worker that ran other tasks since", async () => {
  const { agent, tasks, params } = await firstIteration("CartPole-v1", 4, 2);
  const workers = new SegmentCollector();
  const first = encodeSegment({ ...(await workers.collect(tasks[0]!, () => copy(params))), collectMs: 0 });
  await workers.collect(tasks[1]!, () => copy(params));
  const again = encodeSegment({ ...(await workers.collect(tasks[0]!, () => copy(params))), collectMs: 0 });
  assert.deepEqual(again, first);
  await workers.dispose();
  await agent.dispose();
});

Deno.test("decodeSegment() round-trips a segment and ignores one that is not awaited", async () => {
  const { agent, tasks, params } = await firstIteration("CartPole-v1", 4, 2);
  const workers = new SegmentCollector();
  const segment = await workers.collect(tasks[1]!, () => copy(params));
  const shape = { ...segment, envId: "CartPole-v1", numActions: 2 };
  const decoded = decodeSegment(encodeSegment(segment), () => shape);
  assert.deepEqual(decoded, segment);
  assert.equal(decodeSegment(encodeSegment(segment), () => null), null);
  assert.throws(
    () => decodeSegment(encodeSegment({ ...segment, numEnvs: 3 }), () => shape),
    /numEnvs must be 2: current value is 3/,
  );
  await workers.dispose();
  await agent.dispose();
});

Deno.test("parseRolloutTask() refuses a task that is not data of the expected shape", () => {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  assert.throws(() => parseRolloutTask(new Uint8Array([1, 2])), /it is not JSON/);
  assert.throws(() => parseRolloutTask(bytes({ kind: "other" })), /not a ppo-flow rollout task/);
  assert.throws(
    () => parseRolloutTask(bytes({ kind: "ppo-flow/rollout-task", iteration: -1 })),
    /iteration must be a non-negative integer/,
  );
});

Deno.test("a task whose network does not match its weights is refused before anything is built", async () => {
  const { agent, tasks, params } = await firstIteration("CartPole-v1", 4, 2);
  const workers = new SegmentCollector();
  const task = { ...tasks[0]!, network: { ...tasks[0]!.network, hidden: [100_000, 100_000] } };
  let fetched = false;
  await assert.rejects(
    () =>
      workers.collect(task, () => {
        fetched = true;
        return copy(params);
      }),
    /Cannot build the task's network/,
  );
  assert.equal(fetched, false);
  await workers.dispose();
  await agent.dispose();
});

function toBytes(task: RolloutTask): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(task));
}

function copy(params: Float32Array): Promise<Float32Array> {
  return Promise.resolve(Float32Array.from(params));
}
