import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { natsServerMissing, startNatsServer } from "./_nats_server.ts";
import {
  CARTPOLE_20K,
  metricsWithoutTime,
  startTrain,
  startWorker,
  train,
  workerReady,
} from "./_processes.ts";

const missing = natsServerMissing();
if (missing !== null) console.warn(`distributed tests skipped: ${missing}`);
const ignore = missing !== null;
const skipped = missing === null ? "" : ` (skipped: ${missing})`;

/** The local run every distributed run must equal, trained once per test module. */
let localMetrics: Promise<Record<string, unknown>[]> | null = null;
function local(runsDir: string): Promise<Record<string, unknown>[]> {
  localMetrics ??= (async () => {
    const { code, output } = await train(runsDir, [...CARTPOLE_20K, "--run-name", "local"]);
    assert.equal(code, 0, output);
    return await metricsWithoutTime(`${runsDir}/local`);
  })();
  return localMetrics;
}

Deno.test({
  name: `learner + 2 workers train CartPole 20k steps with the local run's metrics.jsonl${skipped}`,
  ignore,
  async fn() {
    const server = await startNatsServer();
    const dir = await Deno.makeTempDir();
    const workers = [startWorker(server.url, dir, "w1"), startWorker(server.url, dir, "w2")];
    try {
      await Promise.all(workers.map(workerReady));
      const { code, output } = await train(dir, [
        ...CARTPOLE_20K,
        "--run-name",
        "distributed",
        "--nats",
        server.url,
        "--shards",
        "2",
      ]);
      assert.equal(code, 0, output);
      assert.match(output, /rollouts on workers via nats:\/\/127\.0\.0\.1:\d+: 2 shards/);
      assert.match(output, /ignored 0 stale and 0 duplicate results, refused 0/);
      const distributed = await metricsWithoutTime(`${dir}/distributed`);
      assert.equal(distributed.length, 78);
      assert.deepEqual(distributed, await local(dir));
      // Both workers took tasks: the shards really ran elsewhere.
      for (const worker of workers) await worker.kill();
      for (const worker of workers) assert.match(await worker.log(), /stopped after [1-9]\d* tasks/);
    } finally {
      for (const worker of workers) await worker.kill();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `a worker killed with SIGKILL mid-run and a task left unacknowledged still give the local metrics${skipped}`,
  ignore,
  async fn() {
    const server = await startNatsServer();
    const dir = await Deno.makeTempDir();
    const ackWait = ["--ack-wait", "1000"];
    const victim = startWorker(server.url, dir, "victim", ackWait);
    const survivor = startWorker(server.url, dir, "survivor", ackWait);
    const nc = await connect({ servers: server.url });
    try {
      await Promise.all([workerReady(victim), workerReady(survivor)]);
      // What a worker killed between pulling and acknowledging leaves behind: a delivered, unacked task.
      const consumer = await jetstream(nc).consumers.get("PPOFLOW_TASKS", "rollout-workers");
      const learner = startTrain(dir, [
        ...CARTPOLE_20K,
        "--run-name",
        "killed",
        "--nats",
        server.url,
        "--shards",
        "2",
        "--checkpoint-every",
        "5",
      ]);
      const output = learner.output();
      const swallowed = await consumer.next({ expires: 30_000 });
      assert.ok(swallowed !== null, "the learner published no task");
      // Let a few iterations run on both workers, then kill one without warning.
      const deadline = Date.now() + 60_000;
      while (
        ((await Deno.readTextFile(`${dir}/killed/metrics.jsonl`).catch(() => "")).match(/\n/g)?.length ?? 0) <
          10
      ) {
        if (Date.now() > deadline) throw new Error("the distributed run made no progress");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await victim.kill("SIGKILL");
      const { code, stdout, stderr } = await output;
      const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      assert.equal(code, 0, text);
      // JetStream redelivered the unacknowledged tasks: the learner never had to publish one again.
      assert.match(text, /re-published 0 tasks/);
      assert.deepEqual(await metricsWithoutTime(`${dir}/killed`), await local(dir));
      assert.match(await survivor.log(), /serving rollout tasks/);
    } finally {
      await nc.close();
      await victim.kill("SIGKILL");
      await survivor.kill();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `a learner killed with SIGKILL resumes with --resume, workers still attached, to the local metrics${skipped}`,
  ignore,
  async fn() {
    const server = await startNatsServer();
    const dir = await Deno.makeTempDir();
    const worker = startWorker(server.url, dir, "attached");
    const nats = ["--nats", server.url, "--shards", "2"];
    try {
      await workerReady(worker);
      const learner = startTrain(dir, [
        ...CARTPOLE_20K,
        "--run-name",
        "resumed",
        ...nats,
        "--checkpoint-every",
        "5",
      ]);
      const deadline = Date.now() + 60_000;
      while (
        ((await Deno.readTextFile(`${dir}/resumed/metrics.jsonl`).catch(() => "")).match(/\n/g)?.length ??
          0) < 23
      ) {
        if (Date.now() > deadline) throw new Error("the distributed run made no progress");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      learner.kill("SIGKILL");
      await learner.output();
      const { code, output } = await train(dir, ["--resume", `${dir}/resumed`, ...nats]);
      assert.equal(code, 0, output);
      assert.deepEqual(await metricsWithoutTime(`${dir}/resumed`), await local(dir));
    } finally {
      await worker.kill();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `deno task worker and train --nats without a server name the URL${skipped}`,
  ignore,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const dir = await Deno.makeTempDir();
    try {
      const url = `nats://127.0.0.1:${port}`;
      const worker = startWorker(url, dir, "lonely");
      const status = await worker.child.status;
      assert.equal(status.code, 1);
      assert.match(
        await worker.log(),
        new RegExp(`Cannot connect to the NATS server at nats://127\\.0\\.0\\.1:${port}`),
      );
      const { code, output } = await train(dir, [...CARTPOLE_20K, "--nats", url, "--shards", "2"]);
      assert.equal(code, 1);
      assert.match(output, new RegExp(`Cannot connect to the NATS server at nats://127\\.0\\.0\\.1:${port}`));
      await worker.kill();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
