// End to end, as a person would: a real training run with the dashboard, watched in headless Chromium.
import assert from "node:assert/strict";
import { serveDashboard } from "../../src/dashboard/serve_dashboard.ts";
import { train } from "../../src/train/train.ts";
import { CHROMIUM, CHROMIUM_FLAGS, chromiumMissing, loadPlaywright } from "../../tasks/_chromium.ts";

const SCREENSHOT = "runs/screenshots/dashboard.png";

const { chromium } = await loadPlaywright();
const missing = chromiumMissing();
if (missing !== null) console.warn(`dashboard browser test skipped: ${missing}`);

Deno.test({
  name: `dashboard in headless Chromium shows live charts of two iterations and env 0 playing${
    missing === null ? "" : ` (skipped: ${missing})`
  }`,
  ignore: missing !== null,
  async fn() {
    const run = await train({
      envId: "CartPole-v1",
      numEnvs: 4,
      numSteps: 128,
      numMinibatches: 4,
      updateEpochs: 4,
      totalTimesteps: 512 * 400,
      engine: "reference",
    }, { writeFiles: false });
    const dashboard = serveDashboard(run, { port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS] });
    try {
      const first = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const second = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await first.goto(dashboard.url);
      await second.goto(dashboard.url);
      // Page-side expressions are strings: this file is type-checked without the DOM library.
      const iterations = `Number(document.getElementById("iterations").textContent)`;
      const points = (key: string) =>
        `Number(document.querySelector('canvas[data-keys^="${key}"]').dataset.points)`;
      await first.waitForFunction(`${iterations} >= 2 && ${points("charts/SPS")} >= 2`, undefined, {
        timeout: 60_000,
      });
      // Closing a tab disturbs neither training nor the other tab.
      await first.close();
      const seen = Number(await second.evaluate(iterations));
      await second.waitForFunction(`${iterations} >= ${seen + 2}`, undefined, { timeout: 60_000 });
      await second.waitForSelector("#view svg", { timeout: 30_000 });
      const charted = [
        "charts/SPS",
        "losses/policy_loss",
        "losses/value_loss",
        "losses/approx_kl",
        "losses/clipfrac",
      ];
      await second.waitForFunction(charted.map((key) => `${points(key)} >= 2`).join(" && "));
      assert.equal(await second.textContent("#status"), "live");
      await Deno.mkdir("runs/screenshots", { recursive: true });
      await second.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`dashboard screenshot: ${await Deno.realPath(SCREENSHOT)}`);
    } finally {
      await browser.close();
      await run.stop();
      await dashboard.close();
    }
  },
});
