// The browser build end to end, in Debian's headless Chromium: the bundle imports in a page without Deno, and the
// training page trains CartPole in its worker, plays greedily and hands over checkpoints that Deno reads.
import assert from "node:assert/strict";
import { servePage } from "../../src/browser/serve_page.ts";
import { derivedSizes, resolveConfig } from "../../src/config/ppo_config.ts";
import { presetFor } from "../../src/config/presets.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import { train } from "../../src/train/train.ts";
import { CHROMIUM, CHROMIUM_FLAGS, chromiumMissing, loadPlaywright } from "../../tasks/_chromium.ts";

const SCREENSHOTS = "runs/screenshots";
/** Where the test keeps what Deno reads back (inside the repository: `deno task eval` may read only there). */
const FILES = "runs/browser_test";

const { chromium } = await loadPlaywright();

const missing = chromiumMissing();
if (missing !== null) console.warn(`browser build tests skipped: ${missing}`);
const skipped = missing === null ? "" : ` (skipped: ${missing})`;

/** Runs `deno <args>` from the repository root and returns its output, failing on a non-zero status. */
async function deno(args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `deno ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** Builds the bundle into a fresh directory with the task itself, as a user would. */
async function bundle(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ppo-flow-browser-" });
  await deno([
    "run",
    "--unstable-bundle",
    "--allow-read",
    "--allow-env",
    `--allow-write=${dir}`,
    "tasks/bundle.ts",
    "--out-dir",
    dir,
  ]);
  return dir;
}

/** Page-side state (`window.ppoFlow`) as JSON; page expressions are strings, as this file has no DOM types. */
interface PageState {
  state: string;
  engine: string | null;
  globalStep: number;
  sps: number | null;
  meanReturn100: number | null;
  played: { return: number; length: number }[];
  checkpoint: string | null;
  frames: number;
  errors: string[];
}
const STATE = "JSON.stringify(window.ppoFlow)";

Deno.test({
  name: `the browser bundle imports and trains in a page that has no Deno global${skipped}`,
  ignore: missing !== null,
  async fn() {
    const dir = await bundle();
    const sizes = JSON.parse(await Deno.readTextFile(`${dir}/sizes.json`)) as {
      entries: { file: string; atImport: { bytes: number } }[];
    };
    assert.ok(sizes.entries.some((row) => row.file === "ppo-flow.js" && row.atImport.bytes > 0));
    await Deno.writeTextFile(`${dir}/blank.html`, "<!doctype html><title>blank</title>");
    const server = servePage(dir, { port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("response", (response) => {
        if (response.status() >= 400) errors.push(`HTTP ${response.status()} ${response.url()}`);
      });
      await page.goto(`${server.url}blank.html`);
      const result = JSON.parse(
        await page.evaluate(`(async () => {
          const denoGlobal = typeof Deno;
          const lib = await import("./ppo-flow.js");
          const env = lib.make("CartPole-v1");
          const { obs } = env.reset({ seed: 1 });
          const svg = lib.renderFrame("CartPole-v1", env.getState().state);
          const run = await lib.trainInBrowser({ envId: "CartPole-v1", seed: 1, totalTimesteps: 1024 }, { usePreset: false });
          const iterations = [];
          run.iterations$.subscribe((m) => iterations.push(m.global_step));
          const summary = await run.done;
          const checkpoint = lib.decodeCheckpoint(run.checkpoint(), { expected: { envId: "CartPole-v1" } });
          await run.dispose();
          // gpu.js comes in its own chunk, loaded when the gpujs engine is created.
          const layout = lib.paramLayout({
            obsDim: 4, head: { kind: "categorical", n: 2 }, hidden: [8], activation: "tanh", shared: false,
          });
          const gpu = await lib.createBrowserPolicy(layout, { engine: "gpujs", params: new Float32Array(layout.size) });
          const gpuBackend = gpu.policy.backend;
          await gpu.policy.dispose();
          return JSON.stringify({
            denoGlobal, obsLength: obs.length, svg: svg.slice(0, 4), engine: run.engine, iterations,
            globalStep: summary.globalStep, kind: checkpoint.metadata.kind, params: checkpoint.params.length,
            gpuBackend,
          });
        })()`) as string,
      );
      assert.deepEqual(errors, []);
      assert.equal(result.denoGlobal, "undefined");
      assert.equal(result.obsLength, 4);
      assert.equal(result.svg, "<svg");
      // Chromium validates WebAssembly SIMD, and this machine has no hardware GPU: auto picks wasm, as on Deno.
      assert.equal(result.engine, "wasm");
      assert.deepEqual(result.iterations, [512, 1024]);
      assert.equal(result.globalStep, 1024);
      assert.equal(result.kind, "ppo-flow/training");
      assert.equal(
        result.params,
        4 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2 + 4 * 64 + 64 + 64 * 64 + 64 + 64 + 1,
      );
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `the training page trains CartPole past 195 in its worker, plays greedily and round-trips checkpoints${skipped}`,
  ignore: missing !== null,
  async fn() {
    const dir = await bundle();
    const server = servePage(dir, { port: 0 });
    const requests: string[] = [];
    await Deno.mkdir(FILES, { recursive: true });
    await Deno.mkdir(SCREENSHOTS, { recursive: true });
    const runsDir = await Deno.makeTempDir({ dir: FILES });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 920 }, acceptDownloads: true });
      page.on("request", (request) => requests.push(request.url()));
      const state = async () => JSON.parse(await page.evaluate(STATE) as string) as PageState;
      // CleanRL's settings (no preset), seed 1, the engine auto picks.
      await page.goto(`${server.url}?env=CartPole-v1&preset=0&seed=1&engine=auto`);
      await page.click("#train");
      await page.waitForFunction("window.ppoFlow.meanReturn100 > 195", undefined, {
        timeout: 300_000,
        polling: 250,
      });
      // The page's thread stayed free while the worker trained: it drew frames and took the click at once.
      const solved = await state();
      console.log(
        `browser page: CartPole-v1 (CleanRL settings, seed 1) mean return ${
          solved.meanReturn100?.toFixed(1)
        } ` +
          `at ${solved.globalStep} steps, ${solved.sps} SPS on ${solved.engine}`,
      );
      assert.equal(solved.engine, "wasm");
      assert.ok(solved.frames > 0, "no frame of env 0 was drawn during training");
      assert.ok(solved.globalStep < 500_000);
      await page.click("#stop");
      await page.waitForFunction(`window.ppoFlow.state === "trained"`, undefined, { timeout: 60_000 });
      await page.screenshot({ path: `${SCREENSHOTS}/browser_trained.png`, fullPage: true });

      // Greedy play of the trained policy, drawn at the env's speed.
      await page.click("#play");
      await page.waitForFunction("window.ppoFlow.played.length >= 1", undefined, { timeout: 120_000 });
      await page.screenshot({ path: `${SCREENSHOTS}/browser_playing.png`, fullPage: true });
      const greedy = (await state()).played[0]!;
      await page.click("#stop");

      // The downloaded checkpoint is a training checkpoint Deno plays: `deno task eval` gives the same first
      // greedy episode (seed 1000, the reference engine on both sides).
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
      assert.equal(download.suggestedFilename(), "ppo-flow-CartPole-v1.safetensors");
      const saved = `${runsDir}/${download.suggestedFilename()}`;
      await download.saveAs(saved);
      const evaluated = await deno(["task", "eval", "--checkpoint", saved, "--episodes", "1"]);
      const match = evaluated.match(/CartPole-v1: 1 episodes \(greedy\): return (-?[\d.]+)/);
      assert.ok(match, `unexpected deno task eval output:\n${evaluated}`);
      assert.equal(Number(match[1]), greedy.return);
      assert.ok(greedy.return > 195, `the greedy episode returned ${greedy.return}`);

      // Loaded back from the file: the same policy plays the same episode.
      await page.setInputFiles("#load", saved);
      await page.waitForFunction(`window.ppoFlow.checkpoint === "ppo-flow-CartPole-v1.safetensors"`);
      await page.click("#play");
      await page.waitForFunction("window.ppoFlow.played.length >= 1", undefined, { timeout: 120_000 });
      assert.deepEqual((await state()).played[0], greedy);
      await page.click("#stop");

      // A checkpoint written by train() (as `deno task train` writes it) loads and plays the same first episode
      // as evaluate() in Deno.
      const run = await train({ envId: "CartPole-v1", seed: 3, totalTimesteps: 1024 }, {
        runsDir,
        runName: "deno_run",
        usePreset: false,
      });
      const summary = await run.done;
      assert.ok(summary.checkpoint !== null);
      const inDeno = await evaluate(summary.checkpoint, { episodes: 1 });
      await page.setInputFiles("#load", summary.checkpoint);
      await page.waitForFunction(`window.ppoFlow.checkpoint === "latest.safetensors"`);
      await page.click("#play");
      await page.waitForFunction("window.ppoFlow.played.length >= 1", undefined, { timeout: 120_000 });
      assert.deepEqual((await state()).played[0], { return: inDeno.returns[0], length: inDeno.lengths[0] });
      await page.click("#stop");
      // Once training has ended, Download hands over the latest checkpoint: here the file just loaded.
      const [again] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
      assert.equal(again.suggestedFilename(), "latest.safetensors");
      await again.saveAs(`${runsDir}/again.safetensors`);
      assert.deepEqual(
        await Deno.readFile(`${runsDir}/again.safetensors`),
        await Deno.readFile(summary.checkpoint),
      );

      assert.deepEqual((await state()).errors, []);
      // No CDN, no outside request: everything came from the page's own folder.
      assert.deepEqual(requests.filter((url) => !url.startsWith(server.url) && !url.startsWith("blob:")), []);
      console.log(
        `browser page screenshots: ${await Deno.realPath(SCREENSHOTS)}/browser_{trained,playing}.png`,
      );
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(runsDir, { recursive: true });
    }
  },
});

Deno.test({
  name: `the training page trains, draws and plays each of its environments${skipped}`,
  ignore: missing !== null,
  async fn() {
    const dir = await bundle();
    const server = servePage(dir, { port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 920 } });
      const state = async () => JSON.parse(await page.evaluate(STATE) as string) as PageState;
      for (const envId of ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "LunarLander-v3"]) {
        // The env's preset, for one iteration.
        const { batchSize } = derivedSizes(resolveConfig(presetFor(envId)));
        await page.goto(`${server.url}?env=${envId}&seed=2&steps=${batchSize}`);
        await page.click("#train");
        await page.waitForFunction(
          `window.ppoFlow.state === "trained" || window.ppoFlow.state === "error"`,
          undefined,
          {
            timeout: 120_000,
          },
        );
        const trained = await state();
        assert.deepEqual(trained.errors, [], envId);
        assert.equal(trained.state, "trained", envId);
        assert.equal(trained.globalStep, batchSize, envId);
        assert.equal(await page.locator("#view svg").count(), 1, `${envId}: no frame drawn while training`);
        const framesBefore = trained.frames;
        await page.click("#play");
        await page.waitForFunction(`window.ppoFlow.frames >= ${framesBefore + 10}`, undefined, {
          timeout: 60_000,
        });
        assert.match(await page.locator("#view svg").innerHTML(), /greedy {2}step/, envId);
        await page.click("#stop");
        assert.deepEqual((await state()).errors, [], envId);
      }
    } finally {
      await browser.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
