import assert from "node:assert/strict";
import { encodeGif } from "../../src/render/encode_gif.ts";
import { cartPoleFrame } from "../../src/render/cart_pole_frame.ts";
import { writeAnimation } from "../../src/render/write_animation.ts";
import { encodeMp4 } from "../../src/render/encode_mp4.ts";
import { decodeGif, gifFrame } from "./_gif.ts";

const FRAMES = Array.from({ length: 7 }, (_, i) => cartPoleFrame([i * 0.2 - 0.6, 0, (i - 3) * 0.05, 0]));

Deno.test("encodeGif() writes a GIF that decodes to one frame per SVG, at the asked size and rate", async () => {
  const gif = await encodeGif(FRAMES, { fps: 25, width: 300, fonts: [] });
  const decoded = decodeGif(gif);
  assert.equal(decoded.frames, 7);
  assert.deepEqual([decoded.width, decoded.height], [300, 200]);
  assert.deepEqual(decoded.delays, Array(7).fill(4));
  // Frames differ: the cart moves.
  assert.notDeepEqual(gifFrame(gif, 0), gifFrame(gif, 6));
});

Deno.test("encodeGif() refuses no frames and a bad frame rate", async () => {
  await assert.rejects(() => encodeGif([]), {
    name: "RangeError",
    message: "Cannot encode a GIF as it needs at least one frame: current value is 0",
  });
  await assert.rejects(() => encodeGif(FRAMES, { fps: 0 }), RangeError);
});

Deno.test("writeAnimation() writes a .gif atomically and refuses other extensions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeAnimation(`${dir}/pole.gif`, FRAMES.slice(0, 3), { fps: 50, width: 120, fonts: [] });
    assert.equal(decodeGif(await Deno.readFile(`${dir}/pole.gif`)).frames, 3);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["pole.gif"]);
    await assert.rejects(() => writeAnimation(`${dir}/pole.webm`, FRAMES), {
      name: "RangeError",
      message:
        `Cannot write an animation as the file must end in .gif or .mp4: current value is ${dir}/pole.webm`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("encodeMp4() says clearly when ffmpeg cannot be run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () =>
        encodeMp4(FRAMES.slice(0, 2), `${dir}/pole.mp4`, { ffmpeg: "ffmpeg-not-installed-here", fonts: [] }),
      { message: /^Cannot write .*pole\.mp4 as (ffmpeg is not installed|running ffmpeg is not allowed)/ },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
