import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import type { PpoConfig } from "../../src/config/ppo_config.ts";
import { connectNats, type NatsConnection } from "../../src/distributed/connect_nats.ts";
import { RemoteRollout } from "../../src/distributed/remote_rollout.ts";
import { startRolloutWorker } from "../../src/distributed/rollout_worker.ts";
import { encodeSegment, type Segment } from "../../src/distributed/segment_codec.ts";
import type { IterationMetrics } from "../../src/operators/types.ts";
import { train, type TrainOptions } from "../../src/train/train.ts";
import { type NatsServer, natsServerMissing, startNatsServer } from "./_nats_server.ts";

const missing = natsServerMissing();
const ignore = missing !== null;
const skipped = missing === null ? "" : ` (skipped: ${missing})`;

/** Small and fast: 4 envs x 32 steps, 30 iterations, one engine on both sides. */
const CONFIG = {
  envId: "CartPole-v1",
  numEnvs: 4,
  numSteps: 32,
  totalTimesteps: 128 * 30,
  engine: "reference",
} as Partial<PpoConfig>;

async function metrics(
  options: TrainOptions,
  config: Partial<PpoConfig> = CONFIG,
): Promise<Omit<IterationMetrics, "charts/SPS">[]> {
  const run = await train(config, { writeFiles: false, ...options });
  const lines: Omit<IterationMetrics, "charts/SPS">[] = [];
  run.iterations$.subscribe(({ "charts/SPS": _sps, ...rest }) => lines.push(rest));
  await run.done;
  return lines;
}

const text = new TextEncoder();

/** A result message carrying `segment` inline (first byte 0). */
function inline(bytes: Uint8Array): Uint8Array {
  const payload = new Uint8Array(bytes.length + 1);
  payload.set(bytes, 1);
  return payload;
}

/** A well-formed segment of the shard's shape with the given tag, poisoned by `poison`. */
function segmentFor(task: Record<string, unknown>, poison: (s: Segment) => Segment): Uint8Array {
  const n = task.numEnvs as number;
  const rows = (task.numSteps as number) * n;
  return encodeSegment(poison({
    run: task.run as string,
    iteration: task.iteration as number,
    policyVersion: task.policyVersion as number,
    shard: task.shard as number,
    numSteps: task.numSteps as number,
    numEnvs: n,
    obsDim: 4,
    actionDim: 1,
    obs: new Float32Array(rows * 4),
    actions: new Float32Array(rows),
    logProbs: new Float32Array(rows),
    values: new Float32Array(rows),
    rewards: new Float64Array(rows),
    terminated: new Uint8Array(rows),
    truncated: new Uint8Array(rows),
    finalObs: new Float32Array(rows * 4),
    nextObs: new Float32Array(n * 4),
    episodes: [],
    envStates: task.envStates as Segment["envStates"],
    rng: task.rng as Segment["rng"],
    collectMs: 1,
  }));
}

/** A fresh server with a learner's and a worker's connection for `body`, all closed afterwards. */
async function withNats(
  body: (nats: { server: NatsServer; learnerNc: NatsConnection; workerNc: NatsConnection }) => Promise<void>,
): Promise<void> {
  const server = await startNatsServer();
  const learnerNc = await connectNats({ url: server.url });
  const workerNc = await connectNats({ url: server.url });
  try {
    await body({ server, learnerNc, workerNc });
  } finally {
    await learnerNc.close();
    await workerNc.close();
    await server.close();
  }
}

Deno.test({
  name:
    `stale, duplicate and malformed results are ignored or refused and training equals the local run${skipped}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const local = await metrics({});
    await withNats(async ({ server, learnerNc, workerNc }) => {
      const chaos = await connect({ servers: server.url });
      const warnings: string[] = [];
      try {
        const worker = await startRolloutWorker(workerNc, {
          onWarning: (m) => warnings.push(`worker: ${m}`),
        });
        const remote = await RemoteRollout.open(learnerNc, { shards: 2, onWarning: (m) => warnings.push(m) });
        const results = `ppoflow.result.${remote.runId}`;
        // Duplicates: the first result of every iteration is published once more, as a late or redelivered
        // worker would. Stale: iteration 1's results come back during iteration 3.
        const firstResults: Uint8Array[] = [];
        const duplicated = new Set<string>();
        let hostileSent = 0;
        chaos.subscribe(results, {
          callback: (_error, msg) => {
            const key = new TextDecoder().decode(msg.data.subarray(5, 120)).match(/"iteration":(\d+)/)?.[1];
            // Iteration 3 gets the hostile messages instead, which are not to be counted twice.
            if (key === undefined || key === "3" || duplicated.has(key)) return;
            duplicated.add(key);
            if (firstResults.length < 2) firstResults.push(msg.data.slice());
            chaos.publish(results, msg.data.slice());
          },
        });
        chaos.subscribe(`ppoflow.task.${remote.runId}`, {
          callback: (_error, msg) => {
            const task = JSON.parse(new TextDecoder().decode(msg.data));
            if (task.iteration !== 3 || task.shard !== 0 || hostileSent > 0) return;
            const hostile = [
              Uint8Array.of(0, 1, 2, 3),
              inline(Uint8Array.of(12, 0, 0, 0, ...text.encode('{"kind":"x"}'))),
              inline(segmentFor(task, (s) => ({ ...s, numEnvs: s.numEnvs + 1 }))),
              inline(segmentFor(task, (s) => ({ ...s, obs: s.obs.map((_, i) => (i === 5 ? NaN : 0)) }))),
              inline(segmentFor(task, (s) => s).slice(0, -8)),
              inline(segmentFor(task, (s) => ({ ...s, actions: s.actions.fill(7) }))),
              inline(new Uint8Array(1_000_000).fill(255)),
              Uint8Array.of(1, ...text.encode('{"store":"obj","key":"segment.x","bytes":1e12,"crc":0}')),
            ];
            hostileSent = hostile.length;
            for (const payload of hostile) chaos.publish(results, payload);
            for (const payload of firstResults) chaos.publish(results, payload);
          },
        });
        const distributed = await metrics({ stages: { collect: remote.collect } });
        assert.deepEqual(distributed, local);
        // Hostile messages sent late in an iteration may still be in the learner's queue.
        for (let wait = 0; remote.stats.rejected < hostileSent && wait < 100; wait++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(remote.stats.rejected, hostileSent, warnings.join("\n"));
        assert.ok(remote.stats.stale >= 2, `stale results: ${remote.stats.stale}`);
        assert.ok(remote.stats.duplicates >= 1, `duplicate results: ${remote.stats.duplicates}`);
        const refused = warnings.filter((w) => w.startsWith("ppo-flow: refused a rollout result"));
        assert.equal(refused.length, hostileSent);
        for (
          const why of [
            /header length exceeds/,
            /not a ppo-flow segment/,
            /numEnvs must be 2/,
            /obs must be finite: current value is NaN at 5/,
            /size must be/,
            /actions must be indices below 2/,
            /segment reference is malformed or too large/,
          ]
        ) {
          assert.ok(refused.some((w) => why.test(w)), `no warning matches ${why}: ${refused.join("\n")}`);
        }
        await remote.close();
        await worker.stop();
      } finally {
        await chaos.close();
      }
    });
  },
});

Deno.test({
  name:
    `a NATS server restarted mid-run (file storage) loses nothing: the run continues to the local metrics${skipped}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const local = await metrics({});
    await withNats(async ({ server, learnerNc, workerNc }) => {
      const warnings: string[] = [];
      const worker = await startRolloutWorker(workerNc, {
        ackWaitMs: 2000,
        onWarning: (m) => warnings.push(`worker: ${m}`),
      });
      const remote = await RemoteRollout.open(learnerNc, {
        shards: 2,
        shardTimeoutMs: 3000,
        maxAttempts: 20,
        onWarning: (m) => warnings.push(m),
      });
      const run = await train(CONFIG, { writeFiles: false, stages: { collect: remote.collect } });
      const lines: Omit<IterationMetrics, "charts/SPS">[] = [];
      let restarted: Promise<void> | null = null;
      run.iterations$.subscribe(({ "charts/SPS": _sps, ...rest }) => {
        lines.push(rest);
        if (rest.iteration === 5) restarted = server.restart();
      });
      await run.done;
      await restarted;
      assert.ok(restarted !== null);
      assert.deepEqual(lines, local, warnings.join("\n"));
      await remote.close();
      await worker.stop();
    });
  },
});

Deno.test({
  name: `LunarLander-v3 with reward scaling, 3 uneven shards, trains exactly as locally${skipped}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The preset's normalizeReward: the learner replays the scaling over the gathered raw rewards.
    const config = {
      envId: "LunarLander-v3",
      numEnvs: 5,
      numSteps: 32,
      numMinibatches: 4,
      totalTimesteps: 160 * 4,
      engine: "reference",
    } as Partial<PpoConfig>;
    const local = await metrics({}, config);
    await withNats(async ({ learnerNc, workerNc }) => {
      const worker = await startRolloutWorker(workerNc, { trialsDir: null });
      const remote = await RemoteRollout.open(learnerNc, { shards: 3 });
      const distributed = await metrics({ stages: { collect: remote.collect } }, config);
      assert.equal(distributed.length, 4);
      assert.ok(distributed.some((m) => m["charts/episodes"] > 0));
      assert.deepEqual(distributed, local);
      await remote.close();
      await worker.stop();
    });
  },
});

Deno.test({
  name:
    `the 1M-parameter shared 1024-1024 agent's 4.3 MB of weights travel through the Object Store${skipped}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const config = {
      envId: "LunarLander-v3",
      sharedNetwork: true,
      hidden: [1024, 1024],
      activation: "relu",
      numEnvs: 2,
      numSteps: 8,
      numMinibatches: 1,
      updateEpochs: 1,
      totalTimesteps: 32,
      engine: "reference",
    } as Partial<PpoConfig>;
    const local = await metrics({}, config);
    await withNats(async ({ learnerNc, workerNc }) => {
      const worker = await startRolloutWorker(workerNc, { trialsDir: null });
      const remote = await RemoteRollout.open(learnerNc, { shards: 2 });
      const distributed = await metrics({ stages: { collect: remote.collect } }, config);
      assert.deepEqual(distributed, local);
      // Each iteration's weights (over the server's 1 MB max payload) went out once for both shards.
      assert.ok(
        remote.stats.bytesOut > 2 * 4_000_000 && remote.stats.bytesOut < 2 * 4_600_000,
        `${remote.stats.bytesOut}`,
      );
      await remote.close();
      await worker.stop();
    });
  },
});
