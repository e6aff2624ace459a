import { renderSvg } from "./_render_svg.ts";

/** Options of {@linkcode rasterize}. */
export interface RasterizeOptions {
  /** Width of the image in pixels; the height keeps the aspect ratio. @default {the SVG's own width} */
  readonly width?: number;
  /**
   * Font files for text (TrueType or OpenType bytes). resvg's WebAssembly build cannot see system fonts.
   * @default {the first of DejaVu Sans or Liberation Sans under /usr/share/fonts that may be read, else none (text is left out)}
   */
  readonly fonts?: readonly Uint8Array[];
}

/** An RGBA image: `width * height * 4` bytes, rows top to bottom. */
export interface RasterImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height * 4` bytes of RGBA. */
  readonly pixels: Uint8Array;
}

/**
 * Rasterises an SVG document to RGBA pixels with resvg (WebAssembly), as a GIF or MP4 encoder needs them.
 *
 * @param svg The SVG document.
 * @param options Output width and fonts.
 * @returns The RGBA image.
 *
 * @example
 * ```ts
 * import { rasterize } from "./rasterize.ts";
 * import assert from "node:assert/strict";
 *
 * const image = await rasterize(
 *   `<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="red"/></svg>`,
 *   { width: 40 },
 * );
 * assert.deepEqual([image.width, image.height], [40, 20]);
 * assert.deepEqual([...image.pixels.subarray(0, 4)], [255, 0, 0, 255]);
 * ```
 */
export function rasterize(svg: string, options: RasterizeOptions = {}): Promise<RasterImage> {
  return renderSvg(svg, options, "rasterize", (image) => ({
    width: image.width,
    height: image.height,
    pixels: image.pixels.slice(),
  }));
}
