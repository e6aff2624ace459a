import { checkState, num, svgDocument } from "./_svg.ts";
import type { FrameOptions } from "./types.ts";

const SIZE = 500;
const SCALE = SIZE / (2 * 2.2);
const ROD_WIDTH = 0.2 * SCALE;
const MAX_TORQUE = 2;

/**
 * Draws Pendulum-v1: the rod on its pivot and, when the action is given, an arc whose length and direction
 * show the torque applied.
 *
 * @param state `[theta, thetaDot]`, theta in radians from upright (positive turns counter-clockwise).
 * @param options The torque `[u]` that led here, and a caption.
 * @returns A 500 x 500 SVG document.
 *
 * @example
 * ```ts
 * import { pendulumFrame } from "./pendulum_frame.ts";
 * import assert from "node:assert/strict";
 *
 * assert.notEqual(pendulumFrame([0, 0]), pendulumFrame([Math.PI, 0]));
 * assert.match(pendulumFrame([0, 0], { action: [1.5] }), /<path/);
 * ```
 */
export function pendulumFrame(state: readonly number[], options: FrameOptions = {}): string {
  checkState("Pendulum-v1", state, 2);
  const theta = state[0]!;
  const c = SIZE / 2;
  const tipX = c - Math.sin(theta) * SCALE;
  const tipY = c - Math.cos(theta) * SCALE;
  let torque = "";
  const u = options.action?.[0];
  if (u !== undefined && Number.isFinite(u) && u !== 0) {
    // An arc below the pivot whose arrowhead turns the way the torque does (counter-clockwise when positive),
    // its sweep proportional to |u|. SVG angles grow clockwise, since y points down.
    const radius = 0.35 * SCALE;
    const sweep = Math.min(Math.abs(u) / MAX_TORQUE, 1) * Math.PI;
    const [from, to] = u > 0
      ? [Math.PI / 2 + sweep / 2, Math.PI / 2 - sweep / 2]
      : [Math.PI / 2 - sweep / 2, Math.PI / 2 + sweep / 2];
    const sx = c + radius * Math.cos(from);
    const sy = c + radius * Math.sin(from);
    const ex = c + radius * Math.cos(to);
    const ey = c + radius * Math.sin(to);
    torque = `<path d="M ${num(sx)} ${num(sy)} A ${num(radius)} ${num(radius)} 0 0 ${u > 0 ? 0 : 1} ${
      num(ex)
    } ${num(ey)}" fill="none" stroke="#2c3e50" stroke-width="4"/><circle cx="${num(ex)}" cy="${
      num(ey)
    }" r="6" fill="#2c3e50"/>`;
  }
  const body = torque +
    `<line x1="${c}" y1="${c}" x2="${num(tipX)}" y2="${
      num(tipY)
    }" stroke="#cc4d4d" stroke-width="${ROD_WIDTH}" stroke-linecap="round"/>` +
    `<circle cx="${c}" cy="${c}" r="${num(ROD_WIDTH / 4)}" fill="#000"/>`;
  return svgDocument(SIZE, SIZE, body, options);
}
