import assert from "node:assert/strict";
import { BROWSER_ENGINE_CHOICES, createBrowserPolicy } from "../../src/browser/browser_policy.ts";
import { GreedyPlayer } from "../../src/browser/greedy_player.ts";
import { trainInBrowser } from "../../src/browser/train_in_browser.ts";
import { resolveConfig } from "../../src/config/ppo_config.ts";
import { loadCheckpoint } from "../../src/io/checkpoint.ts";
import { decodeCheckpoint } from "../../src/io/checkpoint_bytes.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import { createAgent } from "../../src/train/create_agent.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import { train } from "../../src/train/train.ts";

const CLEANRL_CARTPOLE = { envId: "CartPole-v1", seed: 7, totalTimesteps: 1024 } as const;

Deno.test("trainInBrowser() starts from createAgent()'s network and trains to train()'s parameters on one engine", async () => {
  const browserRun = await trainInBrowser(CLEANRL_CARTPOLE, { usePreset: false, engine: "reference" });
  // Before the first iteration (training starts on the next turn of the event loop): the initial network.
  const initial = decodeCheckpoint(browserRun.checkpoint()).params;
  const agent = await createAgent(resolveConfig({ ...CLEANRL_CARTPOLE, engine: "reference" }));
  assert.deepEqual(initial, agent.engine.getParams());
  await agent.dispose();
  await browserRun.done;
  const trained = decodeCheckpoint(browserRun.checkpoint());
  await browserRun.dispose();
  assert.equal(trained.optimizer.step, 2 * 4 * 4);
  assert.notDeepEqual(trained.params, initial);
  const runsDir = await Deno.makeTempDir();
  try {
    const denoRun = await train({ ...CLEANRL_CARTPOLE, engine: "reference" }, {
      runsDir,
      runName: "deno",
      usePreset: false,
    });
    const summary = await denoRun.done;
    assert.ok(summary.checkpoint !== null);
    // Same seeds, same stages, same engine: the same numbers, so env seeding and minibatch order match too.
    assert.deepEqual((await loadCheckpoint(summary.checkpoint)).params, trained.params);
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("a browser run's checkpoint plays in evaluate() and GreedyPlayer alike", async () => {
  const run = await trainInBrowser(CLEANRL_CARTPOLE, { usePreset: false });
  await run.done;
  const bytes = run.checkpoint();
  await run.dispose();
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/browser.safetensors`;
    await Deno.writeFile(path, bytes);
    const inDeno = await evaluate(path, { episodes: 1 });
    const player = await GreedyPlayer.load(bytes, { source: "browser.safetensors" });
    let step;
    do step = player.step(); while (!step.ended);
    await player.dispose();
    assert.equal(step.episodeReturn, inDeno.returns[0]);
    assert.equal(step.episodeLength, inDeno.lengths[0]);
    assert.match(step.svg, /^<svg/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GreedyPlayer.load() refuses bytes that are not a training checkpoint, naming the file", async () => {
  await assert.rejects(
    () => GreedyPlayer.load(new Uint8Array(16), { source: "notes.txt" }),
    /Cannot load checkpoint notes.txt as it is not a complete safetensors file/,
  );
});

Deno.test("createBrowserPolicy() refuses the threaded engine, whose worker is a Deno module worker", async () => {
  const layout = paramLayout({
    obsDim: 4,
    head: { kind: "categorical", n: 2 },
    hidden: [8],
    activation: "tanh",
    shared: false,
  });
  await assert.rejects(
    () => createBrowserPolicy(layout, { engine: "threaded", params: new Float32Array(layout.size) }),
    /engine must be one of auto, gpujs, wasm, reference: current value is "threaded"/,
  );
});

Deno.test("the page offers exactly the engines of the table that have a browser form", async () => {
  const html = await Deno.readTextFile(new URL("../../src/browser/index.html", import.meta.url));
  const select = html.match(/<select[^>]*id="engine"[^>]*>([\s\S]*?)<\/select>/);
  assert.ok(select !== null, "the page has an engine select");
  const offered = [...select[1]!.matchAll(/<option value="([^"]+)"/g)].map((match) => match[1]);
  assert.deepEqual(offered.toSorted(), BROWSER_ENGINE_CHOICES.toSorted());
});
