import assert from "node:assert/strict";
import { learningCurveSvg } from "../../src/plot/learning_curve_svg.ts";
import { readMetrics } from "../../src/plot/read_metrics.ts";
import { writeLearningCurve } from "../../src/plot/write_learning_curve.ts";

function records(scale: number) {
  return Array.from({ length: 5 }, (_, i) => ({
    global_step: (i + 1) * 512,
    iteration: i + 1,
    ...(i === 2 ? {} : { "charts/episodic_return": scale * (i + 1) }),
    "losses/value_loss": i === 3 ? null : 1 / (i + 1),
  }));
}

Deno.test("learningCurveSvg() overlays runs in their own colours, one panel per metric", () => {
  const svg = learningCurveSvg(
    [{ name: "a", records: records(10) }, { name: "b & c", records: records(20) }],
    { keys: ["charts/episodic_return", "losses/value_loss"] },
  );
  assert.match(svg, /charts\/episodic_return/);
  assert.match(svg, /losses\/value_loss/);
  assert.match(svg, /b &amp; c/);
  const lines = [...svg.matchAll(/<polyline points="([^"]*)" fill="none" stroke="(#[0-9a-f]+)"/g)];
  const colours = new Set(lines.map((m) => m[2]));
  assert.equal(colours.size, 2);
  // Returns: an iteration without episodes is skipped (one line of 4 points per run). Value loss: the null
  // breaks the line into 3 points and a lone dot.
  const pointsPerLine = lines.map((m) => m[1]!.split(" ").length);
  assert.deepEqual(pointsPerLine, [4, 4, 3, 3]);
  assert.equal([...svg.matchAll(/<circle/g)].length, 2);
});

Deno.test("learningCurveSvg() says 'no data' for a metric no run has", () => {
  const svg = learningCurveSvg([{ name: "a", records: records(1) }], { keys: ["charts/SPS"] });
  assert.match(svg, /no data/);
  assert.throws(() => learningCurveSvg([]), RangeError);
});

Deno.test("writeLearningCurve() reads metrics.jsonl of several runs and writes SVG and PNG", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, scale] of [["run-a", 1], ["run-b", 2]] as const) {
      await Deno.mkdir(`${dir}/${name}`);
      const lines = records(scale).map((r) => JSON.stringify(r)).join("\n");
      // A torn last line, as a killed run leaves, is ignored.
      await Deno.writeTextFile(`${dir}/${name}/metrics.jsonl`, `${lines}\n{"global_st`);
    }
    assert.equal((await readMetrics(`${dir}/run-a`)).length, 5);
    const svgPath = await writeLearningCurve([`${dir}/run-a`, `${dir}/run-b/`], `${dir}/curves.svg`);
    const svg = await Deno.readTextFile(svgPath);
    assert.match(svg, /run-a/);
    assert.match(svg, /run-b/);
    await writeLearningCurve([`${dir}/run-a`], `${dir}/curves.png`);
    const png = await Deno.readFile(`${dir}/curves.png`);
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    await assert.rejects(() => writeLearningCurve([`${dir}/run-a`], `${dir}/curves.pdf`), {
      name: "RangeError",
      message:
        `Cannot write learning curves as the file must end in .svg or .png: current value is ${dir}/curves.pdf`,
    });
    await assert.rejects(() => readMetrics(`${dir}/missing`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
