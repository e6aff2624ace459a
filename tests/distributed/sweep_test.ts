import assert from "node:assert/strict";
import { natsServerMissing, startNatsServer } from "./_nats_server.ts";
import { startWorker, sweep, workerReady } from "./_processes.ts";

const missing = natsServerMissing();
const skipped = missing === null ? "" : ` (skipped: ${missing})`;

Deno.test({
  name:
    `a sweep of 2 configs x 2 seeds on 2 workers completes with one worker killed, resuming its trial${skipped}`,
  ignore: missing !== null,
  async fn() {
    const server = await startNatsServer();
    const dir = await Deno.makeTempDir();
    const ackWait = ["--ack-wait", "1000", "--quiet"];
    const victim = startWorker(server.url, dir, "victim", ackWait);
    const survivor = startWorker(server.url, dir, "survivor", ackWait);
    try {
      await Promise.all([workerReady(victim), workerReady(survivor)]);
      await Deno.writeTextFile(
        `${dir}/grid.json`,
        JSON.stringify({
          base: {
            envId: "CartPole-v1",
            numEnvs: 4,
            numSteps: 64,
            totalTimesteps: 256 * 40,
            engine: "reference",
          },
          grid: { learningRate: [0.001, 0.0003] },
          seeds: [1, 2],
        }),
      );
      const result = sweep(dir, [
        "--nats",
        server.url,
        "--grid",
        `${dir}/grid.json`,
        "--out",
        `${dir}/sweep`,
        "--checkpoint-every",
        "2",
      ]);
      // Kill the victim in the middle of its first trial, once it has uploaded a checkpoint (the one of
      // iteration 2 goes up when iteration 3 ends; at 6 iterations that upload is long done).
      const deadline = Date.now() + 60_000;
      while ((await victimIterations(`${dir}/trials-victim`)) < 6) {
        if (Date.now() > deadline) throw new Error(`the victim trained no trial: ${await victim.log()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await victim.kill("SIGKILL");
      const { code, output } = await result;
      assert.equal(code, 0, `${output}\n${await survivor.log()}`);
      const summary = JSON.parse(await Deno.readTextFile(`${dir}/sweep/summary.json`));
      assert.equal(summary.length, 4);
      for (const trial of summary) {
        assert.equal(trial.status, "done");
        assert.equal(trial.iterations, 40);
        assert.equal(trial.globalStep, 256 * 40);
      }
      // The killed worker's trial continued from its last uploaded checkpoint, not from scratch.
      assert.ok(summary.some((t: { resumedFrom: number }) => t.resumedFrom > 0), output);
      assert.match(await survivor.log(), /resumed from iteration [1-9]/);
      const csv = (await Deno.readTextFile(`${dir}/sweep/summary.csv`)).trim().split("\n");
      assert.equal(csv.length, 5);
      assert.match(await Deno.readTextFile(`${dir}/sweep/learning_curves.svg`), /<svg/);
    } finally {
      await victim.kill("SIGKILL");
      await survivor.kill();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Iterations the victim's trial has logged (0 before it has one). */
async function victimIterations(trialsDir: string): Promise<number> {
  try {
    for await (const entry of Deno.readDir(trialsDir)) {
      const text = await Deno.readTextFile(`${trialsDir}/${entry.name}/metrics.jsonl`).catch(() => "");
      return text.split("\n").length - 1;
    }
  } catch {
    // No trial yet.
  }
  return 0;
}
