import type { LunarLanderScene } from "../envs/lunar_lander.ts";
import { num, svgDocument } from "./_svg.ts";
import type { FrameOptions } from "./types.ts";

const WIDTH = 600;
const HEIGHT = 400;
/** Gymnasium's pixels per metre. */
const SCALE = 30;

function point(x: number, y: number): string {
  return `${num(x * SCALE)},${num(HEIGHT - y * SCALE)}`;
}

function polygon(vertices: readonly number[], fill: string, stroke: string): string {
  const points: string[] = [];
  for (let i = 0; i + 1 < vertices.length; i += 2) points.push(point(vertices[i]!, vertices[i + 1]!));
  return `<polygon points="${points.join(" ")}" fill="${fill}" stroke="${stroke}" stroke-width="1"/>`;
}

function centroid(vertices: readonly number[]): [number, number] {
  let x = 0;
  let y = 0;
  const n = vertices.length / 2;
  for (let i = 0; i + 1 < vertices.length; i += 2) {
    x += vertices[i]!;
    y += vertices[i + 1]!;
  }
  return [x / n, y / n];
}

function flame(
  baseX: number,
  baseY: number,
  dirX: number,
  dirY: number,
  length: number,
  width: number,
): string {
  // A triangle from the nozzle outwards: a yellow core inside an orange flame.
  const nx = -dirY;
  const ny = dirX;
  const tri = (l: number, w: number, fill: string) =>
    `<polygon points="${point(baseX + nx * w, baseY + ny * w)} ${point(baseX - nx * w, baseY - ny * w)} ${
      point(baseX + dirX * l, baseY + dirY * l)
    }" fill="${fill}"/>`;
  return tri(length, width, "#ff7f27") + tri(length * 0.6, width * 0.5, "#ffe14d");
}

/**
 * Draws LunarLander-v3 (and its continuous variant) from the environment's `scene()`: the sky, the moon's
 * terrain, the pad between its two flags, the lander, its legs (green while touching the ground) and the
 * flames of the engines that fired on the last step, as long as their throttle.
 *
 * @param scene What `LunarLander.scene()` returns.
 * @param options Caption.
 * @returns A 600 x 400 SVG document.
 *
 * @example
 * ```ts
 * import { lunarLanderFrame } from "./lunar_lander_frame.ts";
 * import { LunarLander } from "../envs/lunar_lander.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new LunarLander();
 * env.reset({ seed: 1 });
 * const still = lunarLanderFrame(env.scene());
 * env.step(2); // main engine
 * const firing = lunarLanderFrame(env.scene());
 * assert.doesNotMatch(still, /#ff7f27/);
 * assert.match(firing, /#ff7f27/);
 * ```
 */
export function lunarLanderFrame(scene: LunarLanderScene, options: FrameOptions = {}): string {
  const parts: string[] = [`<rect width="${WIDTH}" height="${HEIGHT}" fill="#0b0d1a"/>`];
  // The moon: the terrain line closed along the bottom of the frame.
  const ground = [...scene.terrain, WIDTH / SCALE, 0, 0, 0];
  parts.push(polygon(ground, "#e8e8e8", "#e8e8e8"));
  const { x1, x2, y } = scene.helipad;
  for (const x of [x1, x2]) {
    parts.push(
      `<line x1="${num(x * SCALE)}" y1="${num(HEIGHT - y * SCALE)}" x2="${num(x * SCALE)}" y2="${
        num(HEIGHT - y * SCALE - 50)
      }" stroke="#ffffff" stroke-width="1"/>`,
      `<polygon points="${num(x * SCALE)},${num(HEIGHT - y * SCALE - 50)} ${num(x * SCALE)},${
        num(HEIGHT - y * SCALE - 40)
      } ${num(x * SCALE + 25)},${num(HEIGHT - y * SCALE - 45)}" fill="#cccc00"/>`,
    );
  }
  const [leftLeg, rightLeg] = scene.legs;
  const [cx, cy] = centroid(scene.lander);
  const [lx, ly] = centroid(leftLeg);
  const [rx, ry] = centroid(rightLeg);
  // The lander's own axes, from its legs: "right" points from the left leg to the right one, "down" is normal.
  const length = Math.hypot(rx - lx, ry - ly) || 1;
  const rightX = (rx - lx) / length;
  const rightY = (ry - ly) / length;
  const downX = rightY;
  const downY = -rightX;
  const [main, side] = scene.throttles;
  if (main > 0) {
    parts.push(flame(cx + downX * 0.4, cy + downY * 0.4, downX, downY, 0.5 + 0.9 * main, 0.22));
  }
  if (side !== 0) {
    // A negative throttle fires the left engine, whose exhaust points left.
    const sign = side < 0 ? -1 : 1;
    parts.push(
      flame(
        cx + rightX * sign * 0.55,
        cy + rightY * sign * 0.55,
        rightX * sign,
        rightY * sign,
        0.3 + 0.4 * Math.abs(side),
        0.1,
      ),
    );
  }
  parts.push(
    polygon(leftLeg, scene.legContacts[0] ? "#4caf50" : "#806ae6", "#4d4d80"),
    polygon(rightLeg, scene.legContacts[1] ? "#4caf50" : "#806ae6", "#4d4d80"),
    polygon(scene.lander, "#806ae6", "#4d4d80"),
  );
  return svgDocument(WIDTH, HEIGHT, parts.join(""), options, "#e8e8e8");
}
