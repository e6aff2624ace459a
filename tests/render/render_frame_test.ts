import assert from "node:assert/strict";
import { make } from "../../src/envs/make.ts";
import { renderFrame } from "../../src/render/render_frame.ts";
import { rendererFor } from "../../src/render/renderer_for.ts";
import { registerRenderer } from "../../src/render/register_renderer.ts";
import { rasterize } from "../../src/render/rasterize.ts";
import { playEpisodes } from "../../src/render/play_episodes.ts";

const ENVS = [
  { id: "CartPole-v1", action: 1 },
  { id: "Acrobot-v1", action: 2 },
  { id: "MountainCar-v0", action: 2 },
  { id: "MountainCarContinuous-v0", action: [1] },
  { id: "Pendulum-v1", action: [2] },
] as const;

for (const { id, action } of ENVS) {
  Deno.test(`renderFrame() draws ${id} differently as its state changes, and the same state the same way`, () => {
    const env = make(id);
    env.reset({ seed: 7 });
    const first = env.getState()!.state;
    const frames = [renderFrame(id, first)];
    for (let t = 0; t < 10; t++) {
      env.step(action as number & number[]);
      frames.push(renderFrame(id, env.getState()!.state));
    }
    assert.ok(frames.every((frame) => frame.startsWith("<svg") && frame.endsWith("</svg>")));
    assert.equal(new Set(frames).size, frames.length, "every step moved something on the frame");
    assert.equal(renderFrame(id, first), frames[0]);
    const { width, height } = rendererFor(id);
    assert.match(frames[0]!, new RegExp(`width="${width}" height="${height}"`));
  });
}

Deno.test("renderFrame() pixels follow the CartPole pole: a pole leaning right is drawn right of the hinge", async () => {
  const poleColourRight = async (theta: number) => {
    const image = await rasterize(renderFrame("CartPole-v1", [0, 0, theta, 0]), { fonts: [] });
    // Count pole-coloured pixels (ca9865) right of the cart's centre, above the cart.
    let count = 0;
    for (let y = 150; y < 280; y++) {
      for (let x = 310; x < 600; x++) {
        const i = (y * image.width + x) * 4;
        const [r, g, b] = [image.pixels[i]!, image.pixels[i + 1]!, image.pixels[i + 2]!];
        if (Math.abs(r - 0xca) < 12 && Math.abs(g - 0x98) < 12 && Math.abs(b - 0x65) < 12) count++;
      }
    }
    return count;
  };
  assert.equal(await poleColourRight(-0.3), 0);
  assert.ok(await poleColourRight(0.3) > 500);
});

Deno.test("renderFrame() captions the frame and escapes the caption", () => {
  const svg = renderFrame("Pendulum-v1", [0, 0], { caption: "step <1> & more" });
  assert.match(svg, /step &lt;1&gt; &amp; more/);
});

Deno.test("renderFrame() names the environment and the problem when it cannot draw", () => {
  assert.throws(() => renderFrame("Pong-v5", [0]), {
    name: "RangeError",
    message: /Cannot render Pong-v5 as no renderer is registered for it \(known: .*CartPole-v1.*\)/,
  });
  assert.throws(() => renderFrame("CartPole-v1", [0, 0]), {
    name: "RangeError",
    message: "Cannot render CartPole-v1 as state must start with 4 finite numbers: current value is [0, 0]",
  });
  assert.throws(() => renderFrame("Acrobot-v1", [0, NaN, 0, 0]), RangeError);
});

Deno.test("registerRenderer() adds an environment and checks the renderer", () => {
  registerRenderer("Square-v0", {
    width: 10,
    height: 10,
    fps: 5,
    frame: ([size = 1]) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="${size}"/></svg>`,
  });
  assert.match(renderFrame("Square-v0", [4]), /width="4"/);
  assert.throws(
    () => registerRenderer("Bad-v0", { width: 0, height: 10, fps: 5, frame: () => "" }),
    {
      name: "RangeError",
      message: "Cannot register a renderer for Bad-v0 as width must be a positive number: current value is 0",
    },
  );
});

Deno.test("LunarLander frames come from scene(): the lander falls, legs land, the main engine shows a flame", async () => {
  const played = await playEpisodes({ envId: "LunarLander-v3", seed: 4 });
  const [episode] = played.episodes;
  assert.equal(episode!.frames.length, episode!.length + 1);
  assert.equal(new Set(episode!.frames).size, episode!.frames.length);
  const env = make("LunarLander-v3");
  env.reset({ seed: 4 });
  const renderer = rendererFor("LunarLander-v3");
  const idle = renderer.frame(renderer.capture!(env.env));
  env.step(2);
  const firing = renderer.frame(renderer.capture!(env.env));
  assert.doesNotMatch(idle, /#ff7f27/);
  assert.match(firing, /#ff7f27/);
});
