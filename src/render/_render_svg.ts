import { Resvg } from "@resvg/resvg-wasm";
import { resvgReady } from "./_resvg.ts";
import { systemFonts } from "./_fonts.ts";
import type { RasterizeOptions } from "./rasterize.ts";

/** What resvg rendered, read before its WebAssembly memory is freed. */
type RenderedImage = ReturnType<InstanceType<typeof Resvg>["render"]>;

/**
 * Renders an SVG with resvg and hands the image to `read` before freeing resvg's memory: the part `rasterize`
 * and `svgToPng` share.
 *
 * @param svg The SVG document.
 * @param options Width and fonts.
 * @param action What the caller does, for the error message (`"rasterize"`, `"convert SVG to PNG"`).
 * @param read Copies what the caller needs out of the image.
 */
export async function renderSvg<T>(
  svg: string,
  options: RasterizeOptions,
  action: string,
  read: (image: RenderedImage) => T,
): Promise<T> {
  if (options.width !== undefined && !(Number.isInteger(options.width) && options.width > 0)) {
    throw new RangeError(
      `Cannot ${action} as width must be a positive integer: current value is ${options.width}`,
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
      return read(image);
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
