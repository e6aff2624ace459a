import { checkState, num, svgDocument } from "./_svg.ts";
import type { FrameOptions } from "./types.ts";

const WIDTH = 600;
const HEIGHT = 400;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const SCALE = WIDTH / (MAX_POSITION - MIN_POSITION);
const CAR_WIDTH = 40;
const CAR_HEIGHT = 20;
const CLEARANCE = 10;

/** Options of {@linkcode mountainCarFrame}. */
export interface MountainCarFrameOptions extends FrameOptions {
  /** Position of the flag: 0.5 for MountainCar-v0, 0.45 for MountainCarContinuous-v0. @default {0.5} */
  readonly goalPosition?: number;
}

function heightAt(position: number): number {
  return Math.sin(3 * position) * 0.45 + 0.55;
}

function toScreen(position: number, height: number): [number, number] {
  return [(position - MIN_POSITION) * SCALE, HEIGHT - height * SCALE];
}

/**
 * Draws MountainCar-v0 and MountainCarContinuous-v0: the hill `sin(3x)`, the car tilted along the slope and
 * the goal flag.
 *
 * @param state `[position, velocity]`.
 * @param options Goal position and caption.
 * @returns A 600 x 400 SVG document.
 *
 * @example
 * ```ts
 * import { mountainCarFrame } from "./mountain_car_frame.ts";
 * import assert from "node:assert/strict";
 *
 * assert.notEqual(mountainCarFrame([-0.5, 0]), mountainCarFrame([0.2, 0.01]));
 * ```
 */
export function mountainCarFrame(state: readonly number[], options: MountainCarFrameOptions = {}): string {
  checkState("MountainCar-v0", state, 2);
  const position = state[0]!;
  const points: string[] = [];
  for (let i = 0; i <= 100; i++) {
    const x = MIN_POSITION + (MAX_POSITION - MIN_POSITION) * i / 100;
    const [sx, sy] = toScreen(x, heightAt(x));
    points.push(`${num(sx)},${num(sy)}`);
  }
  const [carX, carY] = toScreen(position, heightAt(position));
  const slope = Math.atan(Math.cos(3 * position) * 0.45 * 3);
  const degrees = -slope * 180 / Math.PI;
  const wheel = (dx: number) =>
    `<circle cx="${dx}" cy="${-CLEARANCE}" r="${num(CAR_HEIGHT / 2.5)}" fill="#808080" stroke="#000"/>`;
  const car = `<g transform="translate(${num(carX)} ${num(carY)}) rotate(${num(degrees)})">` +
    `<rect x="${-CAR_WIDTH / 2}" y="${
      -CLEARANCE - CAR_HEIGHT
    }" width="${CAR_WIDTH}" height="${CAR_HEIGHT}" fill="#000"/>` +
    wheel(-CAR_WIDTH / 4) + wheel(CAR_WIDTH / 4) + `</g>`;
  const goal = options.goalPosition ?? 0.5;
  const [flagX, flagY] = toScreen(goal, heightAt(goal));
  const flag =
    `<line x1="${num(flagX)}" y1="${num(flagY)}" x2="${num(flagX)}" y2="${
      num(flagY - 50)
    }" stroke="#000" stroke-width="2"/>` +
    `<polygon points="${num(flagX)},${num(flagY - 50)} ${num(flagX)},${num(flagY - 40)} ${num(flagX + 25)},${
      num(flagY - 45)
    }" fill="#cccc00"/>`;
  const body = `<polyline points="${points.join(" ")}" fill="none" stroke="#000" stroke-width="2"/>` + flag +
    car;
  return svgDocument(WIDTH, HEIGHT, body, options);
}
