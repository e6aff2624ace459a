/**
 * `deno task train`: trains a PPO agent. With no flags it trains CartPole-v1 with its preset.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { configFlagHelp, configFlagOptions, configFromFlags } from "../src/cli/config_flags.ts";
import type { PpoConfig } from "../src/config/ppo_config.ts";
import { presetFor } from "../src/config/presets.ts";
import { ConsoleProgress } from "../src/logging/console_progress.ts";
import { serveDashboard } from "../src/dashboard/serve_dashboard.ts";
import { writeLearningCurve } from "../src/plot/write_learning_curve.ts";
import { recordEpisodes } from "../src/render/record_episodes.ts";
import { train } from "../src/train/train.ts";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task train [flags]

Trains PPO (CleanRL's algorithm and names) and writes runs/<run-name>/: config.json, metrics.jsonl,
TensorBoard events and checkpoints/. Ctrl-C finishes the current iteration and saves a checkpoint;
--resume runs/<run-name> continues it.

Run flags:
  --config <file.json>      hyperparameters as JSON (flags override it)
  --resume <run dir>        continue a run from its latest checkpoint
  --run-name <name>         run directory name (default: <env>__ppo__<seed>__<unix time>)
  --runs-dir <dir>          (default: runs)
  --checkpoint-every <n>    iterations between checkpoints (default: 10)
  --no-preset               start from CleanRL's defaults instead of the environment's preset
  --record-every <k>        write a GIF of env 0 every k-th episode to runs/<run-name>/videos/
  --dashboard               serve live charts and env 0 playing at http://127.0.0.1:8080/
  --port <p>                dashboard port (default: 8080; 0 picks a free one)
  --host <h>                dashboard interface (default: 127.0.0.1; another one exposes it to the network
                            and needs --allow-net for it)
  --quiet                   no progress output
  --help                    this text

Hyperparameters (defaults shown for the chosen --env's preset):`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...configFlagOptions(),
      config: { type: "string" },
      resume: { type: "string" },
      "run-name": { type: "string" },
      "runs-dir": { type: "string" },
      "checkpoint-every": { type: "string" },
      "no-preset": { type: "boolean" },
      "record-every": { type: "string" },
      dashboard: { type: "boolean" },
      port: { type: "string" },
      host: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const flags = configFromFlags(values);
  if (values.help) {
    const envId = flags.envId ?? "CartPole-v1";
    console.log([USAGE, ...configFlagHelp(values["no-preset"] ? {} : presetFor(envId))].join("\n"));
    return 0;
  }
  const fileConfig: Partial<PpoConfig> = values.config
    ? JSON.parse(await Deno.readTextFile(values.config))
    : {};
  const checkpointEvery = values["checkpoint-every"] === undefined
    ? undefined
    : Number(values["checkpoint-every"]);
  const dashboardPort = values.port === undefined ? 8080 : Number(values.port);
  // Refuse a taken port before train() creates the run directory.
  if (values.dashboard) checkPortFree(values.host ?? "127.0.0.1", dashboardPort);
  const run = await train({ ...fileConfig, ...flags }, {
    ...(values.resume === undefined ? {} : { resume: values.resume }),
    ...(values["run-name"] === undefined ? {} : { runName: values["run-name"] }),
    ...(values["runs-dir"] === undefined ? {} : { runsDir: values["runs-dir"] }),
    ...(checkpointEvery === undefined ? {} : { checkpointEvery }),
    usePreset: !values["no-preset"],
  });
  const { config } = run;
  console.log(
    `ppo-flow: ${config.envId}, seed ${config.seed}, ${config.totalTimesteps} steps, backend ${run.backend}, run ${run.runDir}`,
  );
  const recorder = values["record-every"] === undefined ? null : recordEpisodes(run, {
    every: Number(values["record-every"]),
    dir: `${run.runDir ?? values["runs-dir"] ?? "runs"}/videos`,
    onVideo: ({ path, error }) => {
      if (error !== null) console.error(`ppo-flow: video ${path} failed: ${error}`);
    },
  });
  const dashboard = values.dashboard
    ? serveDashboard(run, {
      port: dashboardPort,
      ...(values.host === undefined ? {} : { hostname: values.host }),
    })
    : null;
  if (dashboard) console.log(`ppo-flow: dashboard at ${dashboard.url}`);
  const progress = values.quiet
    ? null
    : new ConsoleProgress(config.totalTimesteps, { isTerminal: Deno.stderr.isTerminal() });
  // A failed run rejects `done`, reported below; the stream's error needs no second report.
  run.iterations$.subscribe({ next: (metrics) => progress?.update(metrics), error: () => {} });

  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) {
      console.error("\nppo-flow: second interrupt, exiting without finishing the iteration");
      Deno.exit(130);
    }
    console.error(
      "\nppo-flow: stopping after the current iteration and saving a checkpoint (Ctrl-C again to abort)",
    );
    void run.stop();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    const summary = await run.done;
    await progress?.close();
    const videos = await recorder?.close();
    if (videos && videos.length > 0) console.log(`ppo-flow: ${videos.length} videos in ${run.runDir}/videos`);
    if (run.runDir !== null) {
      const curves = await writeLearningCurve([run.runDir], `${run.runDir}/learning_curves.svg`);
      await writeLearningCurve([run.runDir], `${run.runDir}/learning_curves.png`);
      console.log(`ppo-flow: learning curves in ${curves} (and .png)`);
    }
    const mean = summary.meanReturn100 === null ? "n/a" : summary.meanReturn100.toFixed(1);
    console.log(
      `ppo-flow: ${
        summary.stopped ? "stopped" : "finished"
      } at step ${summary.globalStep} (iteration ${summary.iterations}); ` +
        `mean return of the last 100 episodes ${mean}; checkpoint ${summary.checkpoint ?? "none"}`,
    );
    if (dashboard) {
      // The page keeps the finished run's charts until the user is done looking.
      for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
      console.log(`ppo-flow: training done; the dashboard stays at ${dashboard.url} until Ctrl-C`);
      await new Promise<void>((resolve) => {
        for (const signal of signals) Deno.addSignalListener(signal, resolve);
      });
    }
    return 0;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    await recorder?.close();
    await dashboard?.close();
  }
}

function checkPortFree(hostname: string, port: number): void {
  if (port === 0) return;
  try {
    Deno.listen({ hostname, port }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Deno.errors.AddrInUse(
        `Cannot start dashboard as port ${port} is in use: current value is ${port}`,
      );
    }
    throw error;
  }
}

if (import.meta.main) await runCli(main);
