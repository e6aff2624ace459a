import { checkState, num, svgDocument } from "./_svg.ts";
import type { FrameOptions } from "./types.ts";

const WIDTH = 600;
const HEIGHT = 400;
const X_THRESHOLD = 2.4;
const SCALE = WIDTH / (2 * X_THRESHOLD);
const TRACK_Y = 300;
const CART_WIDTH = 50;
const CART_HEIGHT = 30;
const POLE_LENGTH = SCALE * 2 * 0.5;

/**
 * Draws CartPole-v1: the track with its limits at +-2.4, the cart and the pole on its hinge.
 *
 * @param state `[x, xDot, theta, thetaDot]`, theta in radians from upright (positive leans right).
 * @param options Caption.
 * @returns A 600 x 400 SVG document.
 *
 * @example
 * ```ts
 * import { cartPoleFrame } from "./cart_pole_frame.ts";
 * import assert from "node:assert/strict";
 *
 * const upright = cartPoleFrame([0, 0, 0, 0]);
 * assert.ok(upright.startsWith("<svg"));
 * assert.notEqual(cartPoleFrame([0, 0, 0.2, 0]), upright);
 * ```
 */
export function cartPoleFrame(state: readonly number[], options: FrameOptions = {}): string {
  checkState("CartPole-v1", state, 4);
  const [x, , theta] = state as [number, number, number];
  const cartX = WIDTH / 2 + x * SCALE;
  const hingeY = TRACK_Y - CART_HEIGHT / 4;
  const tipX = cartX + Math.sin(theta) * POLE_LENGTH;
  const tipY = hingeY - Math.cos(theta) * POLE_LENGTH;
  const left = WIDTH / 2 - X_THRESHOLD * SCALE;
  const right = WIDTH / 2 + X_THRESHOLD * SCALE;
  const body = `<line x1="0" y1="${TRACK_Y}" x2="${WIDTH}" y2="${TRACK_Y}" stroke="#000" stroke-width="1"/>` +
    `<line x1="${left + 1}" y1="${TRACK_Y - 12}" x2="${left + 1}" y2="${
      TRACK_Y + 12
    }" stroke="#c0392b" stroke-width="2"/>` +
    `<line x1="${right - 1}" y1="${TRACK_Y - 12}" x2="${right - 1}" y2="${
      TRACK_Y + 12
    }" stroke="#c0392b" stroke-width="2"/>` +
    `<rect x="${num(cartX - CART_WIDTH / 2)}" y="${
      TRACK_Y - CART_HEIGHT / 2
    }" width="${CART_WIDTH}" height="${CART_HEIGHT}" fill="#000"/>` +
    `<line x1="${num(cartX)}" y1="${num(hingeY)}" x2="${num(tipX)}" y2="${
      num(tipY)
    }" stroke="#ca9865" stroke-width="10"/>` +
    `<circle cx="${num(cartX)}" cy="${num(hingeY)}" r="5" fill="#8184cb"/>`;
  return svgDocument(WIDTH, HEIGHT, body, options);
}
