import type { MetricsRecord } from "./read_metrics.ts";

/** One run to draw. */
export interface CurveSeries {
  /** Legend label, such as the run directory's name. */
  readonly name: string;
  /** Its `metrics.jsonl` lines. */
  readonly records: readonly MetricsRecord[];
}

/** Options of {@linkcode learningCurveSvg}. */
export interface LearningCurveOptions {
  /** The metrics to plot, one panel each, against `global_step`. @default {return, value loss, policy loss, entropy, approx KL, clip fraction} */
  readonly keys?: readonly string[];
  /** Panels per row. @default {3} */
  readonly columns?: number;
  /** Size of one panel in pixels. @default {[360, 240]} */
  readonly panelSize?: readonly [number, number];
}

const DEFAULT_KEYS = [
  "charts/episodic_return",
  "losses/value_loss",
  "losses/policy_loss",
  "losses/entropy",
  "losses/approx_kl",
  "losses/clipfrac",
];
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
const FONT = `font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"`;
const LEGEND_HEIGHT = 28;

/**
 * Draws learning curves as an SVG: one panel per metric against the global step, every run overlaid in its
 * own colour, like TensorBoard's scalar charts side by side. Iterations without the metric are skipped; a
 * non-finite value (written as null) breaks the line.
 *
 * @param series The runs, each with its `metrics.jsonl` records.
 * @param options Which metrics, layout and panel size.
 * @returns An SVG document.
 *
 * @example
 * ```ts
 * import { learningCurveSvg } from "./learning_curve_svg.ts";
 * import assert from "node:assert/strict";
 *
 * const records = [1, 2, 3].map((i) => ({ global_step: i * 512, "charts/episodic_return": 20 * i }));
 * const svg = learningCurveSvg([{ name: "demo", records }], { keys: ["charts/episodic_return"] });
 * assert.match(svg, /<polyline/);
 * assert.match(svg, /episodic_return/);
 * ```
 */
export function learningCurveSvg(series: readonly CurveSeries[], options: LearningCurveOptions = {}): string {
  const keys = options.keys ?? DEFAULT_KEYS;
  const columns = Math.max(1, Math.min(options.columns ?? 3, keys.length));
  const [panelWidth, panelHeight] = options.panelSize ?? [360, 240];
  if (series.length === 0) {
    throw new RangeError(`Cannot draw learning curves as there are no runs: current value is 0`);
  }
  const rows = Math.ceil(keys.length / columns);
  const width = columns * panelWidth;
  const height = LEGEND_HEIGHT + rows * panelHeight;
  const parts: string[] = [];
  let legendX = 10;
  for (const [i, run] of series.entries()) {
    const color = COLORS[i % COLORS.length]!;
    parts.push(
      `<line x1="${legendX}" y1="15" x2="${legendX + 20}" y2="15" stroke="${color}" stroke-width="3"/>`,
      `<text x="${legendX + 25}" y="19" font-size="12" ${FONT} fill="#222">${escape(run.name)}</text>`,
    );
    legendX += 40 + 7 * run.name.length;
  }
  for (const [k, key] of keys.entries()) {
    const x0 = (k % columns) * panelWidth;
    const y0 = LEGEND_HEIGHT + Math.floor(k / columns) * panelHeight;
    parts.push(panel(series, key, x0, y0, panelWidth, panelHeight));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#fff"/>${parts.join("")}</svg>`;
}

function panel(
  series: readonly CurveSeries[],
  key: string,
  x0: number,
  y0: number,
  width: number,
  height: number,
): string {
  const left = x0 + 56;
  const right = x0 + width - 12;
  const top = y0 + 26;
  const bottom = y0 + height - 30;
  const points = series.map((run) =>
    run.records.map((r) => [r.global_step, r[key]] as const).filter((p): p is readonly [number, number] =>
      typeof p[0] === "number" && typeof p[1] === "number" && Number.isFinite(p[0]) && Number.isFinite(p[1])
    )
  );
  const all = points.flat();
  const out: string[] = [
    `<text x="${x0 + width / 2}" y="${y0 + 16}" font-size="13" ${FONT} text-anchor="middle" fill="#222">${
      escape(key)
    }</text>`,
    `<rect x="${left}" y="${top}" width="${right - left}" height="${
      bottom - top
    }" fill="none" stroke="#999"/>`,
  ];
  if (all.length === 0) {
    out.push(
      `<text x="${(left + right) / 2}" y="${
        (top + bottom) / 2
      }" font-size="12" ${FONT} text-anchor="middle" fill="#999">no data</text>`,
    );
    return out.join("");
  }
  const [xMin, xMax] = extent(all.map((p) => p[0]));
  const [yMin, yMax] = extent(all.map((p) => p[1]));
  const xTicks = niceTicks(xMin, xMax, 4);
  const yTicks = niceTicks(yMin, yMax, 4);
  const xLow = Math.min(xMin, xTicks[0]!);
  const xHigh = Math.max(xMax, xTicks.at(-1)!);
  const yLow = Math.min(yMin, yTicks[0]!);
  const yHigh = Math.max(yMax, yTicks.at(-1)!);
  const sx = (v: number) => left + (v - xLow) / (xHigh - xLow || 1) * (right - left);
  const sy = (v: number) => bottom - (v - yLow) / (yHigh - yLow || 1) * (bottom - top);
  for (const t of xTicks) {
    out.push(
      `<line x1="${r2(sx(t))}" y1="${top}" x2="${r2(sx(t))}" y2="${bottom}" stroke="#eee"/>`,
      `<text x="${r2(sx(t))}" y="${bottom + 14}" font-size="10" ${FONT} text-anchor="middle" fill="#555">${
        label(t)
      }</text>`,
    );
  }
  for (const t of yTicks) {
    out.push(
      `<line x1="${left}" y1="${r2(sy(t))}" x2="${right}" y2="${r2(sy(t))}" stroke="#eee"/>`,
      `<text x="${left - 4}" y="${r2(sy(t)) + 3}" font-size="10" ${FONT} text-anchor="end" fill="#555">${
        label(t)
      }</text>`,
    );
  }
  out.push(
    `<text x="${(left + right) / 2}" y="${
      bottom + 27
    }" font-size="10" ${FONT} text-anchor="middle" fill="#555">global_step</text>`,
  );
  for (const [i, run] of series.entries()) {
    const color = COLORS[i % COLORS.length]!;
    // A gap in the records (a null value) starts a new line rather than bridging it.
    let line: string[] = [];
    const flush = () => {
      if (line.length === 1) {
        out.push(
          `<circle cx="${line[0]!.split(",")[0]}" cy="${line[0]!.split(",")[1]}" r="2" fill="${color}"/>`,
        );
      }
      if (line.length > 1) {
        out.push(`<polyline points="${line.join(" ")}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
      }
      line = [];
    };
    for (const record of run.records) {
      const x = record.global_step;
      const y = record[key];
      // An absent key (no episode ended in that iteration) is skipped; an explicit null breaks the line.
      if (y === undefined) continue;
      if (typeof x !== "number" || typeof y !== "number" || !Number.isFinite(x) || !Number.isFinite(y)) {
        flush();
        continue;
      }
      line.push(`${r2(sx(x))},${r2(sy(y))}`);
    }
    flush();
  }
  return out.join("");
}

function extent(values: number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return [min - (Math.abs(min) || 1) * 0.5, max + (Math.abs(max) || 1) * 0.5];
  return [min, max];
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power of ten). */
function niceTicks(min: number, max: number, count: number): number[] {
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Math.round(t / step) * step);
  }
  if (ticks.length === 0 || ticks.at(-1)! < max) ticks.push(ticks.length === 0 ? max : ticks.at(-1)! + step);
  return ticks;
}

function label(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (abs !== 0 && abs < 1e-3) return value.toExponential(0);
  return String(Number(value.toPrecision(3)));
}

function r2(value: number): number {
  return Math.round(value * 100) / 100;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
