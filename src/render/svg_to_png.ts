import { renderSvg } from "./_render_svg.ts";
import type { RasterizeOptions } from "./rasterize.ts";

/**
 * Converts an SVG document to PNG bytes with resvg (WebAssembly).
 *
 * @param svg The SVG document.
 * @param options Output width and fonts, as for `rasterize`.
 * @returns The PNG file's bytes.
 *
 * @example
 * ```ts
 * import { svgToPng } from "./svg_to_png.ts";
 * import assert from "node:assert/strict";
 *
 * const png = await svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>`);
 * assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]); // "PNG"
 * ```
 */
export function svgToPng(svg: string, options: RasterizeOptions = {}): Promise<Uint8Array> {
  return renderSvg(svg, options, "convert SVG to PNG", (image) => image.asPng());
}
