/**
 * `deno task bench:browser [--total-timesteps 100000] [--engine auto] [--rounds 2]`: the training page's SPS in
 * headless Chromium (Debian's `/usr/bin/chromium`) beside Deno's on the same pipeline, measured alternately in
 * one run, since the machine is shared and only figures measured side by side compare.
 *
 * Both train CartPole-v1 with CleanRL's settings (no preset, seed 1) for the same budget. The page trains in its
 * Web Worker on the bundle `deno task bundle` built (runs/browser) and reports `charts/SPS` of its last
 * iteration; Deno runs `ppoIteration` over `createAgent`, as `deno task bench:train`'s pipeline figure does, and
 * the page's own code (`trainInBrowser`, SPS from its first iteration's start, as the page counts). Each
 * side gets a warm-up run first (the page's worker keeps its JIT between runs), then the best of `--rounds`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { concatMap, lastValueFrom, range, toArray } from "rxjs";
import { BROWSER_ENGINE_CHOICES, type BrowserEngineChoice } from "../src/browser/browser_policy.ts";
import { servePage } from "../src/browser/serve_page.ts";
import { trainInBrowser } from "../src/browser/train_in_browser.ts";
import { derivedSizes, type PpoConfig, resolveConfig } from "../src/config/ppo_config.ts";
import { createAgent } from "../src/train/create_agent.ts";
import { ppoIteration } from "../src/train/ppo_iteration.ts";
import { CHROMIUM, CHROMIUM_FLAGS, loadPlaywright } from "./_chromium.ts";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task bench:browser [flags]

  --total-timesteps <n>  steps per measured run (default: 100000)
  --engine <name>        the page's engine: ${BROWSER_ENGINE_CHOICES.join(", ")} (default: auto)
  --rounds <n>           measured runs per side, after one warm-up each (default: 2)
  --help                 this text`;

/** One measured run. */
interface Measured {
  readonly sps: number;
  readonly engine: string;
  readonly steps: number;
}

async function denoRun(config: PpoConfig): Promise<Measured> {
  const agent = await createAgent(config);
  const start = performance.now();
  await lastValueFrom(
    range(0, derivedSizes(config).numIterations).pipe(
      concatMap(() => ppoIteration(agent.collector, agent.shuffleRng, config)),
      toArray(),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  const engine = String(
    (agent.engine as { engine?: string; backend?: string }).engine ?? agent.engine.backend,
  );
  await agent.dispose();
  return { sps: agent.collector.globalStep / seconds, engine, steps: agent.collector.globalStep };
}

/** The page's own code path in Deno: `trainInBrowser` (the wasm engine on one thread, no files). */
async function sameCodeRun(config: PpoConfig, engine: BrowserEngineChoice): Promise<Measured> {
  const run = await trainInBrowser(config, { usePreset: false, engine });
  const summary = await run.done;
  await run.dispose();
  return { sps: summary.lastMetrics?.["charts/SPS"] ?? 0, engine: run.engine, steps: summary.globalStep };
}

function loadAverage(): string {
  return Deno.loadavg().map((load) => load.toFixed(2)).join(" ");
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "total-timesteps": { type: "string", default: "100000" },
      engine: { type: "string", default: "auto" },
      rounds: { type: "string", default: "2" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const totalTimesteps = Number(values["total-timesteps"]);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(
      `Cannot bench as --rounds must be a positive integer: current value is ${values.rounds}`,
    );
  }
  const config = resolveConfig({ envId: "CartPole-v1", seed: 1, totalTimesteps });
  const { chromium } = await loadPlaywright();
  const server = servePage("runs/browser", { port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS] });
  try {
    const page = await browser.newPage();
    await page.goto(
      `${server.url}?env=CartPole-v1&preset=0&seed=1&engine=${values.engine}&steps=${totalTimesteps}`,
    );
    const pageRun = async (): Promise<Measured> => {
      await page.click("#train");
      await page.waitForFunction(
        `window.ppoFlow.state === "trained" || window.ppoFlow.state === "error"`,
        undefined,
        {
          timeout: 600_000,
          polling: 200,
        },
      );
      const state = JSON.parse(await page.evaluate("JSON.stringify(window.ppoFlow)") as string);
      if (state.state === "error") throw new Error(`The page failed: ${state.errors.join("; ")}`);
      return { sps: state.sps, engine: state.engine, steps: state.globalStep };
    };
    console.log(
      `bench:browser: CartPole-v1, CleanRL hyperparameters (${config.numEnvs} envs x ${config.numSteps} steps, ` +
        `${config.updateEpochs} epochs x ${config.numMinibatches} minibatches), ${totalTimesteps} steps, seed 1; ` +
        `load average before: ${loadAverage()}`,
    );
    const warmup = { ...config, totalTimesteps: 8 * derivedSizes(config).batchSize };
    const engine = values.engine as BrowserEngineChoice;
    await denoRun(warmup);
    await sameCodeRun(warmup, engine);
    await pageRun();
    const pageRuns: Measured[] = [];
    const denoRuns: Measured[] = [];
    const sameCodeRuns: Measured[] = [];
    for (let round = 0; round < rounds; round++) {
      pageRuns.push(await pageRun());
      denoRuns.push(await denoRun(config));
      sameCodeRuns.push(await sameCodeRun(config, engine));
    }
    const best = (runs: Measured[]) => runs.reduce((a, b) => (b.sps > a.sps ? b : a));
    const inPage = best(pageRuns);
    const inDeno = best(denoRuns);
    const sameCode = best(sameCodeRuns);
    const format = (runs: Measured[]) => runs.map((run) => Math.round(run.sps)).join(", ");
    console.log(
      `  page (headless Chromium ${browser.version()}, Web Worker, ${inPage.engine}): ${
        Math.round(inPage.sps)
      } SPS (runs: ${format(pageRuns)})`,
    );
    console.log(
      `  Deno ${Deno.version.deno} (bench:train's pipeline, ${inDeno.engine}): ${
        Math.round(inDeno.sps)
      } SPS (runs: ${format(denoRuns)})`,
    );
    console.log(
      `  Deno, the page's code (trainInBrowser, ${sameCode.engine} on one thread): ${
        Math.round(sameCode.sps)
      } SPS (runs: ${format(sameCodeRuns)})`,
    );
    console.log(
      `  page / Deno: ${(inPage.sps / inDeno.sps).toFixed(2)}x; load average after: ${loadAverage()}`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
  return 0;
}

if (import.meta.main) await runCli(main);
