import { Resvg } from "@resvg/resvg-wasm";
import { resvgReady } from "./_resvg.ts";
import { systemFonts } from "./_fonts.ts";
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
export async function svgToPng(svg: string, options: RasterizeOptions = {}): Promise<Uint8Array> {
  if (options.width !== undefined && !(Number.isInteger(options.width) && options.width > 0)) {
    throw new RangeError(
      `Cannot convert SVG to PNG as width must be a positive integer: current value is ${options.width}`,
    );
  }
  await resvgReady();
  const fonts = options.fonts ?? await systemFonts();
  const resvg = new Resvg(svg, {
    ...(options.width === undefined ? {} : { fitTo: { mode: "width", value: options.width } }),
    font: { fontBuffers: fonts.map((f) => new Uint8Array(f)), loadSystemFonts: false },
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
