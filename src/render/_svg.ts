import type { FrameOptions } from "./types.ts";

/** A number with at most two decimals, enough for pixel coordinates and short enough for SSE. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c]!);
}

/** Wraps drawn elements in an SVG document with a white background and the optional caption. */
export function svgDocument(
  width: number,
  height: number,
  body: string,
  options: FrameOptions = {},
  captionColor = "#333",
): string {
  const caption = options.caption === undefined
    ? ""
    : `<text x="8" y="18" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="14" fill="${captionColor}">${
      escapeXml(options.caption)
    }</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>${body}${caption}</svg>`;
}

/** Throws when a state does not hold `size` finite numbers. */
export function checkState(envId: string, state: readonly number[], size: number): void {
  if (!Array.isArray(state) && !ArrayBuffer.isView(state)) {
    throw new TypeError(
      `Cannot render ${envId} as state must be an array of numbers: current value is ${String(state)}`,
    );
  }
  if (
    state.length < size || !state.slice(0, size).every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    throw new RangeError(
      `Cannot render ${envId} as state must start with ${size} finite numbers: current value is [${
        Array.from(state).join(", ")
      }]`,
    );
  }
}
