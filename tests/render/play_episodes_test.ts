import assert from "node:assert/strict";
import { playEpisodes } from "../../src/render/play_episodes.ts";
import { encodeGif } from "../../src/render/encode_gif.ts";
import { train } from "../../src/train/train.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import { decodeGif } from "./_gif.ts";

Deno.test("playEpisodes() draws a random policy's episodes: the reset frame, then one per step", async () => {
  const played = await playEpisodes({ envId: "CartPole-v1", episodes: 3, seed: 5 });
  assert.equal(played.envId, "CartPole-v1");
  assert.equal(played.fps, 50);
  assert.equal(played.episodes.length, 3);
  for (const episode of played.episodes) {
    assert.equal(episode.frames.length, episode.length + 1);
    assert.equal(episode.return, episode.length);
  }
  const again = await playEpisodes({ envId: "CartPole-v1", episodes: 3, seed: 5 });
  assert.deepEqual(again.episodes.map((e) => e.frames), played.episodes.map((e) => e.frames), "seeded");
});

Deno.test("playEpisodes() of a checkpoint plays greedily what evaluate() measures, and its GIF has every frame", async () => {
  const runsDir = await Deno.makeTempDir();
  try {
    const run = await train(
      {
        envId: "CartPole-v1",
        numEnvs: 2,
        numSteps: 32,
        numMinibatches: 2,
        updateEpochs: 2,
        totalTimesteps: 256,
        engine: "reference",
      },
      { runsDir, runName: "tiny" },
    );
    const summary = await run.done;
    const checkpoint = summary.checkpoint!;
    const played = await playEpisodes({ checkpoint, episodes: 2, seed: 1000 });
    const evaluated = await evaluate(checkpoint, { episodes: 1, seed: 1000 });
    // Same seed, same greedy policy, same frozen statistics: the first episode is the one evaluate() plays.
    assert.equal(played.episodes[0]!.return, evaluated.returns[0]);
    const frames = played.episodes.flatMap((e) => e.frames);
    const gif = decodeGif(await encodeGif(frames, { fps: played.fps, width: 150, fonts: [] }));
    assert.equal(gif.frames, played.episodes[0]!.length + played.episodes[1]!.length + 2);
    const random = await playEpisodes({ checkpoint, random: true, seed: 3 });
    assert.equal(random.envId, "CartPole-v1");
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("playEpisodes() needs a checkpoint or an environment", async () => {
  await assert.rejects(() => playEpisodes({}), {
    name: "TypeError",
    message: "Cannot play episodes as either a checkpoint or an envId is needed: current value is undefined",
  });
  await assert.rejects(() => playEpisodes({ envId: "CartPole-v1", episodes: 0 }), RangeError);
});
