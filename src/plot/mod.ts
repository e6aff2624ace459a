/**
 * Learning curves: read runs' `metrics.jsonl` and draw one panel per metric (episodic return, losses, KL, clip
 * fraction) against the global step, several runs overlaid, as SVG or PNG.
 *
 * @example
 * ```ts ignore
 * import { writeLearningCurve } from "@ppo-flow/ppo-flow/plot";
 *
 * await writeLearningCurve(["runs/seed1", "runs/seed2"], "curves.png");
 * ```
 *
 * @module
 */
export { type CurveSeries, type LearningCurveOptions, learningCurveSvg } from "./learning_curve_svg.ts";
export { type MetricsRecord, readMetrics } from "./read_metrics.ts";
export { writeLearningCurve } from "./write_learning_curve.ts";
