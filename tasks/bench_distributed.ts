/**
 * `deno task bench:distributed`: what distribution costs and gains, side by side in one run: a local run vs a
 * learner with 1 rollout worker vs a learner with 2, for CartPole-v1 (CleanRL's settings) and LunarLander-v3
 * (its preset). Per mode: SPS, ms per iteration, the learner's per-iteration overhead of distribution (time
 * collecting beyond the slowest shard's stepping) and bytes per iteration each way. Workers are separate
 * processes on this machine; the NATS server is `--nats <url>`, or a `nats-server -js` started here.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { PpoConfig } from "../src/config/ppo_config.ts";
import { connectNats } from "../src/distributed/connect_nats.ts";
import { RemoteRollout } from "../src/distributed/remote_rollout.ts";
import { train } from "../src/train/train.ts";
import { runCli } from "./_run_cli.ts";

const WORKER = new URL("./worker.ts", import.meta.url).pathname;

interface Row {
  readonly env: string;
  readonly mode: string;
  readonly sps: number;
  readonly msPerIteration: number;
  readonly overheadMs: number | null;
  readonly shardMs: number | null;
  readonly kibOut: number | null;
  readonly kibIn: number | null;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      nats: { type: "string" },
      engine: { type: "string" },
      "cartpole-iterations": { type: "string" },
      "lunar-iterations": { type: "string" },
    },
    strict: true,
  });
  const engine = values.engine ?? "reference";
  const cases: { env: string; config: Partial<PpoConfig>; iterations: number }[] = [
    {
      env: "CartPole-v1",
      config: { envId: "CartPole-v1", numEnvs: 4, numSteps: 128 },
      iterations: Number(values["cartpole-iterations"] ?? 20),
    },
    {
      env: "LunarLander-v3",
      config: { envId: "LunarLander-v3" },
      iterations: Number(values["lunar-iterations"] ?? 3),
    },
  ];
  const server = values.nats === undefined ? await startServer() : null;
  const url = values.nats ?? server!.url;
  const rows: Row[] = [];
  try {
    for (const { env, config, iterations } of cases) {
      const steps = (config.numEnvs ?? 16) * (config.numSteps ?? 1024) * iterations;
      const full = { ...config, totalTimesteps: steps, engine } as Partial<PpoConfig>;
      rows.push(await measure(env, "local", full, null, url));
      for (const workers of [1, 2]) {
        rows.push(
          await measure(env, `learner + ${workers} worker${workers > 1 ? "s" : ""}`, full, workers, url),
        );
      }
    }
  } finally {
    await server?.close();
  }
  console.log(`load average (1, 5, 15 min): ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log(`cores: ${navigator.hardwareConcurrency}, engine: ${engine}`);
  console.log(
    "| env | mode | SPS | ms/iteration | slowest shard ms/iteration | overhead ms/iteration | KiB out/iteration | KiB in/iteration |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  const f = (v: number | null, digits = 1) => (v === null ? "-" : v.toFixed(digits));
  for (const r of rows) {
    console.log(
      `| ${r.env} | ${r.mode} | ${r.sps.toFixed(0)} | ${f(r.msPerIteration, 0)} | ${f(r.shardMs, 0)} | ${
        f(r.overheadMs)
      } | ${f(r.kibOut)} | ${f(r.kibIn)} |`,
    );
  }
  return 0;
}

async function measure(
  env: string,
  mode: string,
  config: Partial<PpoConfig>,
  workers: number | null,
  url: string,
): Promise<Row> {
  const children: Deno.ChildProcess[] = [];
  const nc = workers === null ? null : await connectNats({ url });
  let remote: RemoteRollout | null = null;
  try {
    if (workers !== null) {
      for (let i = 0; i < workers; i++) {
        children.push(
          new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "--allow-read=.",
              "--allow-net=127.0.0.1",
              WORKER,
              "--nats",
              url,
              "--quiet",
              "--no-trials",
            ],
            stdout: "null",
            stderr: "inherit",
          }).spawn(),
        );
      }
      remote = await RemoteRollout.open(nc!, { shards: workers });
      // Workers are ready once they answer: a first iteration would otherwise count their start-up.
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    const run = await train(config, {
      writeFiles: false,
      ...(remote === null ? {} : { stages: { collect: remote.collect } }),
    });
    const started = performance.now();
    const summary = await run.done;
    const ms = performance.now() - started;
    const s = remote?.stats;
    const per = (v: number | undefined) => (v === undefined ? null : v / summary.iterations);
    const row = {
      env,
      mode,
      sps: summary.globalStep / (ms / 1000),
      msPerIteration: ms / summary.iterations,
      overheadMs: s === undefined ? null : per(s.collectMs - s.workerMs),
      shardMs: s === undefined ? null : per(s.workerMs),
      kibOut: s === undefined ? null : per(s.bytesOut / 1024),
      kibIn: s === undefined ? null : per(s.bytesIn / 1024),
    };
    console.error(`${env} ${mode}: ${row.sps.toFixed(0)} SPS`);
    return row;
  } finally {
    await remote?.close();
    for (const child of children) {
      child.kill("SIGTERM");
      await child.status;
    }
    await nc?.drain();
  }
}

async function startServer(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "ppo-flow-bench-nats-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const child = new Deno.Command("nats-server", {
    args: ["-js", "-sd", dir, "-a", "127.0.0.1", "-p", String(port)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  return {
    url: `nats://127.0.0.1:${port}`,
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

if (import.meta.main) await runCli(main);
