/** Font files tried, in order, for text in rasterised SVG (resvg's WebAssembly build has no system fonts). */
const CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/Library/Fonts/Arial.ttf",
  "C:\\Windows\\Fonts\\arial.ttf",
];

let loaded: Promise<Uint8Array[]> | null = null;

/**
 * Reads the first system font that exists and may be read without a permission prompt; none means text is
 * left out of rasterised images (the SVG still has it).
 */
export function systemFonts(): Promise<Uint8Array[]> {
  loaded ??= (async () => {
    for (const path of CANDIDATES) {
      const status = await Deno.permissions.query({ name: "read", path });
      if (status.state !== "granted") continue;
      try {
        return [await Deno.readFile(path)];
      } catch {
        // Not installed here: try the next one.
      }
    }
    return [];
  })();
  return loaded;
}
