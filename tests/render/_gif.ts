// @ts-types="@types/omggif"
import { GifReader } from "omggif";

/** Decodes a GIF with omggif: its size, frame count and each frame's delay in hundredths of a second. */
export function decodeGif(
  bytes: Uint8Array,
): { width: number; height: number; frames: number; delays: number[] } {
  const reader = new GifReader(bytes);
  const frames = reader.numFrames();
  const delays = Array.from({ length: frames }, (_, i) => reader.frameInfo(i).delay);
  return { width: reader.width, height: reader.height, frames, delays };
}

/** The RGBA pixels of frame `index`, blitting the frames before it as a viewer would. */
export function gifFrame(bytes: Uint8Array, index: number): Uint8Array {
  const reader = new GifReader(bytes);
  const pixels = new Uint8Array(reader.width * reader.height * 4);
  for (let i = 0; i <= index; i++) reader.decodeAndBlitFrameRGBA(i, pixels);
  return pixels;
}
