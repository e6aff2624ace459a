/**
 * `deno task train`: trains a PPO agent. With no flags it trains CartPole-v1 with its preset.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { configFlagHelp, configFlagOptions, configFromFlags } from "../src/cli/config_flags.ts";
import { engineHelp } from "../src/cli/engine_help.ts";
import { configFromJson } from "../src/config/config_from_json.ts";
import type { PpoConfig } from "../src/config/ppo_config.ts";
import { presetFor } from "../src/config/presets.ts";
import { ConsoleProgress } from "../src/logging/console_progress.ts";
import { serveDashboard } from "../src/dashboard/serve_dashboard.ts";
import { writeLearningCurve } from "../src/plot/write_learning_curve.ts";
import { recordEpisodes } from "../src/render/record_episodes.ts";
import { recipeFor, RECIPES, savedRecipe } from "../src/recipes/mod.ts";
import type { Recipe } from "../src/recipes/recipe.ts";
import { type Run, train } from "../src/train/train.ts";
import { runCli } from "./_run_cli.ts";
import { connectNats, type NatsConnection } from "../src/distributed/connect_nats.ts";
import {
  checkNatsPermission,
  NATS_FLAG_NAMES,
  natsFlagHelp,
  natsFlagOptions,
  natsOptionsFromFlags,
} from "../src/distributed/nats_flags.ts";
import { RemoteRollout } from "../src/distributed/remote_rollout.ts";

const USAGE = `Usage: deno task train [flags]

Trains PPO (CleanRL's algorithm and names) and writes runs/<run-name>/: config.json, metrics.jsonl,
TensorBoard events and checkpoints/. Ctrl-C finishes the current iteration and saves a checkpoint;
--resume runs/<run-name> continues it.

Run flags:
  --config <file.json>      hyperparameters as JSON (flags override it)
  --resume <run dir>        continue a run from its latest checkpoint (a recipe run resumes with its recipe)
  --recipe <name>           train a tutorial's agent (its hyperparameters under your flags, its iteration)
  --tutorial-bugs           with --recipe: reproduce the tutorial's documented bugs too
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

Distributed rollouts (rollout workers: deno task worker --nats <url>; see the README):
  --shards <S>              split the envs into S shards, one rollout task each per iteration (default: 1)
  --shard-timeout <ms>      publish a missing shard's task again after this long (default: 60000); the run
                            fails naming the shards after 5 publications
${natsFlagHelp().join("\n")}

Hyperparameters (defaults shown for the chosen --env's preset):`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...configFlagOptions(),
      config: { type: "string" },
      resume: { type: "string" },
      recipe: { type: "string" },
      "tutorial-bugs": { type: "boolean" },
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
      ...natsFlagOptions(),
      shards: { type: "string" },
      "shard-timeout": { type: "string" },
    },
    strict: true,
  });
  const flags = configFromFlags(values);
  const nats = natsOptionsFromFlags(values);
  const distributed = nats === null ? null : {
    shards: values.shards === undefined ? 1 : positiveInteger("shards", values.shards),
    shardTimeoutMs: values["shard-timeout"] === undefined
      ? 60_000
      : positiveInteger("shard-timeout", values["shard-timeout"]),
  };
  for (const flag of ["shards", "shard-timeout"] as const) {
    if (nats === null && values[flag] !== undefined) {
      throw new TypeError(`Cannot use --${flag} without --nats: current value is ${values[flag]}`);
    }
  }
  // Every flag is checked before train() creates the run directory, so a typo never blocks a run name.
  const recipe = values.recipe === undefined ? null : recipeWithBugs(values.recipe, values["tutorial-bugs"]);
  if (values["tutorial-bugs"] && recipe === null) {
    throw new TypeError(
      "Cannot use --tutorial-bugs without --recipe as only recipes have them: current value is true",
    );
  }
  if (values.help) {
    const envId = flags.envId ?? recipe?.config.envId ?? "CartPole-v1";
    const defaults = recipe ? recipe.config : values["no-preset"] ? {} : presetFor(envId);
    console.log(
      [USAGE, ...configFlagHelp({ ...defaults, envId }), "", ...engineHelp(), "", ...recipeHelp()].join("\n"),
    );
    return 0;
  }
  if (values.resume !== undefined) refuseResumeFlags(values.resume, values);
  if (recipe !== null && values["no-preset"]) {
    throw new TypeError(
      "Cannot use --no-preset with --recipe as a recipe never uses a preset: current value is true",
    );
  }
  const resumedRecipe = values.resume === undefined ? null : await savedRecipe(values.resume);
  if (nats !== null && (recipe ?? resumedRecipe) !== null) {
    throw new TypeError(
      "Cannot use --nats with a recipe as a recipe runs its own iteration, not the rollout stage workers replace: " +
        `current value is ${(recipe ?? resumedRecipe)!.name}`,
    );
  }
  const fileConfig = values.config === undefined ? {} : await readConfigFile(values.config);
  const checkpointEvery = values["checkpoint-every"] === undefined
    ? undefined
    : positiveInteger("checkpoint-every", values["checkpoint-every"]);
  const recordEvery = values["record-every"] === undefined
    ? undefined
    : positiveInteger("record-every", values["record-every"]);
  if (!values.dashboard) {
    for (const flag of ["port", "host"] as const) {
      if (values[flag] !== undefined) {
        throw new TypeError(
          `Cannot use --${flag} without --dashboard as it only sets where the dashboard listens: current value is ${
            values[flag]
          }`,
        );
      }
    }
  }
  const dashboardPort = values.port === undefined ? 8080 : port(values.port);
  const dashboardHost = values.host ?? "127.0.0.1";
  if (values.dashboard) await checkDashboardAddress(dashboardHost, dashboardPort);

  // Signals are handled from the start: a Ctrl-C while the run is being set up (a resume rewriting its
  // metrics, say) stops it cleanly after its first iteration instead of killing it mid-write.
  let interrupts = 0;
  let run: Run | null = null;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) {
      console.error("\nppo-flow: second interrupt, exiting without finishing the iteration");
      Deno.exit(130);
    }
    console.error(
      "\nppo-flow: stopping after the current iteration and saving a checkpoint (Ctrl-C again to abort)",
    );
    void run?.stop();
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let nc: NatsConnection | null = null;
  let remote: RemoteRollout | null = null;
  const closeRemote = async () => {
    await remote?.close().catch(() => {});
    await nc?.drain().catch(() => {});
  };
  if (nats !== null) await checkNatsPermission(nats, "train");
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    if (nats !== null && distributed !== null) {
      nc = await connectNats(nats);
      remote = await RemoteRollout.open(nc, distributed);
    }
    const trained = recipe ?? resumedRecipe;
    const runName = values["run-name"] ?? (recipe === null ? undefined : recipeRunName(recipe, flags.seed));
    run = await train({ ...recipe?.config, ...fileConfig, ...flags }, {
      ...(values.resume === undefined ? {} : { resume: values.resume }),
      ...(runName === undefined ? {} : { runName }),
      ...(values["runs-dir"] === undefined ? {} : { runsDir: values["runs-dir"] }),
      ...(checkpointEvery === undefined ? {} : { checkpointEvery }),
      ...(values.resume === undefined ? { usePreset: recipe === null && !values["no-preset"] } : {}),
      ...(trained === null ? {} : { iteration: trained.iteration }),
      ...(remote === null ? {} : { stages: { collect: remote.collect } }),
    });
    trained?.follow?.(run);
  } catch (error) {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
    await closeRemote();
    throw error;
  }
  if (interrupts > 0) void run.stop();
  if (remote !== null) {
    console.log(
      `ppo-flow: rollouts on workers via ${nats!.url}: ${remote.shards} shards, run id ${remote.runId}`,
    );
  }
  try {
    return await follow(run, {
      signals,
      onSignal,
      quiet: values.quiet ?? false,
      recordEvery,
      dashboard: values.dashboard ? { port: dashboardPort, hostname: dashboardHost } : null,
      recipe: (recipe ?? resumedRecipe)?.name ?? null,
    });
  } finally {
    if (remote !== null) console.log(distributionSummary(remote));
    await closeRemote();
  }
}

/** One line of what distribution cost: bytes each way and time beyond the slowest shard's stepping. */
function distributionSummary(remote: RemoteRollout): string {
  const { iterations, bytesOut, bytesIn, collectMs, workerMs, stale, duplicates, rejected, republished } =
    remote.stats;
  const per = (value: number) => (iterations === 0 ? 0 : value / iterations);
  return `ppo-flow: distribution per iteration: ${(per(bytesOut) / 1024).toFixed(1)} KiB out, ${
    (per(bytesIn) / 1024).toFixed(1)
  } KiB in, ${per(collectMs - workerMs).toFixed(1)} ms overhead (${
    per(collectMs).toFixed(1)
  } ms collecting); ` +
    `ignored ${stale} stale and ${duplicates} duplicate results, refused ${rejected}, re-published ${republished} tasks`;
}

interface FollowOptions {
  readonly signals: Deno.Signal[];
  readonly onSignal: () => void;
  readonly quiet: boolean;
  readonly recordEvery: number | undefined;
  readonly dashboard: { readonly port: number; readonly hostname: string } | null;
  readonly recipe: string | null;
}

/** Reports a started run until it ends: progress, videos, the dashboard, learning curves and the summary. */
async function follow(run: Run, options: FollowOptions): Promise<number> {
  const { signals, onSignal } = options;
  const { config } = run;
  console.log(
    `ppo-flow: ${
      options.recipe === null ? "" : `recipe ${options.recipe}, `
    }${config.envId}, seed ${config.seed}, ${config.totalTimesteps} steps, engine ${run.engine}${
      run.backend === undefined ? "" : ` (${run.backend})`
    }, run ${run.runDir}`,
  );
  const recorder = options.recordEvery === undefined ? null : recordEpisodes(run, {
    every: options.recordEvery,
    dir: `${run.runDir ?? "runs"}/videos`,
    onVideo: ({ path, error }) => {
      if (error !== null) console.error(`ppo-flow: video ${path} failed: ${error}`);
    },
  });
  const dashboard = options.dashboard ? serveDashboard(run, options.dashboard) : null;
  if (dashboard) console.log(`ppo-flow: dashboard at ${dashboard.url}`);
  const progress = options.quiet
    ? null
    : new ConsoleProgress(config.totalTimesteps, { isTerminal: Deno.stderr.isTerminal() });
  // A failed run rejects `done`, reported below; the stream's error needs no second report.
  run.iterations$.subscribe({ next: (metrics) => progress?.update(metrics), error: () => {} });

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

/** Flags that still mean something with --resume; every other one would be ignored, so it is refused. */
const RESUME_FLAGS = new Set([
  "resume",
  "total-timesteps",
  "engine",
  "backend",
  "checkpoint-every",
  "record-every",
  "dashboard",
  "port",
  "host",
  "quiet",
  "help",
  "shards",
  "shard-timeout",
  ...NATS_FLAG_NAMES,
]);

function refuseResumeFlags(resume: string, values: Record<string, unknown>): void {
  const ignored = Object.keys(values).filter((flag) => values[flag] !== undefined && !RESUME_FLAGS.has(flag));
  if (ignored.length > 0) {
    const flags = ignored.map((flag) => `--${flag}`).join(", ");
    throw new TypeError(
      `Cannot resume ${resume} with ${flags} as a resumed run keeps the config and name it was started with ` +
        `(only --total-timesteps, --engine and --backend may change): current value is ${flags}`,
    );
  }
}

/** `--recipe <name>`, with every one of its bug options on when `--tutorial-bugs` is given. */
function recipeWithBugs(name: string, bugs: boolean | undefined): Recipe {
  const recipe = recipeFor(name);
  if (!bugs) return recipe;
  return recipeFor(name, Object.fromEntries(Object.keys(recipe.options).map((key) => [key, true])));
}

function recipeRunName(recipe: Recipe, seed: number | undefined): string {
  const bugs = Object.values(recipe.options).some((on) => on) ? "__bugs" : "";
  return `${recipe.name}${bugs}__${seed ?? recipe.config.seed ?? 1}__${Math.floor(Date.now() / 1000)}`;
}

function recipeHelp(): string[] {
  return [
    "Recipes (--recipe <name>; --tutorial-bugs turns on the options listed):",
    ...Object.keys(RECIPES).map((name) => {
      const recipe = recipeFor(name);
      const bugs = Object.keys(recipe.options);
      return `  ${name.padEnd(20)}${recipe.summary}${bugs.length === 0 ? "" : ` [${bugs.join(", ")}]`}`;
    }),
  ];
}

/** Reads `--config`: a JSON object of hyperparameters; bad JSON is reported with the file, line and column. */
async function readConfigFile(path: string): Promise<Partial<PpoConfig>> {
  const text = await Deno.readTextFile(path);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : "";
    throw new SyntaxError(
      `Cannot read --config ${path} as it is not valid JSON${where}: current value is ${message}`,
      {
        cause: error,
      },
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `Cannot read --config ${path} as it must hold a JSON object of hyperparameters: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
  return configFromJson(value);
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot parse --${flag} as it must be a positive integer: current value is "${text}"`,
    );
  }
  return value;
}

function port(text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new RangeError(
      `Cannot parse --port as it must be an integer from 0 to 65535: current value is "${text}"`,
    );
  }
  return value;
}

/** Refuses a dashboard address this process may not or cannot listen on, before train() creates anything. */
async function checkDashboardAddress(hostname: string, port: number): Promise<void> {
  const status = await Deno.permissions.query({ name: "net", host: hostname });
  if (status.state !== "granted") {
    throw new Deno.errors.NotCapable(
      `Cannot serve the dashboard on ${hostname} as this task may only listen on 127.0.0.1 (run it with ` +
        `deno run --allow-net=${hostname} to expose it): current value is ${hostname}`,
    );
  }
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
