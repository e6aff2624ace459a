// The part of gifenc 1.0.3's API that ppo-flow uses (the package ships no types).
export type Palette = number[][];
export interface GifEncoder {
  writeFrame(
    index: Uint8Array,
    width: number,
    height: number,
    options?: { palette?: Palette; delay?: number; repeat?: number; transparent?: boolean },
  ): void;
  finish(): void;
  bytes(): Uint8Array;
}
declare const gifenc: {
  GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): GifEncoder;
  quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: { format?: string }): Palette;
  applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: string): Uint8Array;
};
export default gifenc;
