import { svgToPng } from "../render/svg_to_png.ts";
import { type LearningCurveOptions, learningCurveSvg } from "./learning_curve_svg.ts";
import { readMetrics } from "./read_metrics.ts";

/**
 * Reads the `metrics.jsonl` of one or more runs and writes their learning curves, overlaid, as SVG or PNG
 * (chosen by the extension of `out`).
 *
 * @param runs Run directories (or `.jsonl` files); each is labelled with its last path segment.
 * @param out The file to write, ending in `.svg` or `.png`.
 * @param options Which metrics and layout.
 * @returns The path written.
 * @throws {RangeError} When `out` ends in neither `.svg` nor `.png`, or no run is given.
 *
 * @example
 * ```ts ignore
 * await writeLearningCurve(["runs/a", "runs/b"], "curves.png");
 * ```
 */
export async function writeLearningCurve(
  runs: readonly string[],
  out: string,
  options: LearningCurveOptions = {},
): Promise<string> {
  const extension = out.slice(out.lastIndexOf(".")).toLowerCase();
  if (extension !== ".svg" && extension !== ".png") {
    throw new RangeError(
      `Cannot write learning curves as the file must end in .svg or .png: current value is ${out}`,
    );
  }
  if (runs.length === 0) {
    throw new RangeError(`Cannot write learning curves as no run is given: current value is 0`);
  }
  const series = [];
  for (const run of runs) {
    const name = run.replace(/\/+$/, "").replace(/\/metrics\.jsonl$/, "").split("/").at(-1) ?? run;
    series.push({ name, records: await readMetrics(run) });
  }
  const svg = learningCurveSvg(series, options);
  if (extension === ".svg") await Deno.writeTextFile(out, svg);
  else await Deno.writeFile(out, await svgToPng(svg));
  return out;
}
