import { checkState, num, svgDocument } from "./_svg.ts";
import type { FrameOptions } from "./types.ts";

const SIZE = 500;
const SCALE = SIZE / (2 * 2.2);
const LINK_WIDTH = 0.2 * SCALE;

/**
 * Draws Acrobot-v1: two links hanging from a fixed pivot and the line the free end must swing above.
 *
 * @param state `[theta1, theta2, dtheta1, dtheta2]`: theta1 from hanging straight down, theta2 relative to the
 *   first link.
 * @param options Caption.
 * @returns A 500 x 500 SVG document.
 *
 * @example
 * ```ts
 * import { acrobotFrame } from "./acrobot_frame.ts";
 * import assert from "node:assert/strict";
 *
 * assert.notEqual(acrobotFrame([0, 0, 0, 0]), acrobotFrame([1, 0.5, 0, 0]));
 * ```
 */
export function acrobotFrame(state: readonly number[], options: FrameOptions = {}): string {
  checkState("Acrobot-v1", state, 4);
  const [theta1, theta2] = state as [number, number];
  const c = SIZE / 2;
  // Gymnasium's convention: theta1 = 0 hangs down, so the first link points to (sin, -cos) with y up.
  const x1 = c + Math.sin(theta1) * SCALE;
  const y1 = c + Math.cos(theta1) * SCALE;
  const x2 = x1 + Math.sin(theta1 + theta2) * SCALE;
  const y2 = y1 + Math.cos(theta1 + theta2) * SCALE;
  const link = (ax: number, ay: number, bx: number, by: number) =>
    `<line x1="${num(ax)}" y1="${num(ay)}" x2="${num(bx)}" y2="${num(by)}" stroke="#00cccc" stroke-width="${
      num(LINK_WIDTH)
    }" stroke-linecap="round"/>`;
  const joint = (x: number, y: number) =>
    `<circle cx="${num(x)}" cy="${num(y)}" r="${num(LINK_WIDTH / 2)}" fill="#cccc00"/>`;
  const body =
    `<line x1="0" y1="${num(c - SCALE)}" x2="${SIZE}" y2="${
      num(c - SCALE)
    }" stroke="#000" stroke-width="1"/>` +
    link(c, c, x1, y1) + link(x1, y1, x2, y2) + joint(c, c) + joint(x1, y1);
  return svgDocument(SIZE, SIZE, body, options);
}
