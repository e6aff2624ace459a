import assert from "node:assert/strict";
import { recordEpisodes } from "../../src/render/record_episodes.ts";
import { train } from "../../src/train/train.ts";
import { decodeGif } from "./_gif.ts";

const TINY = {
  envId: "CartPole-v1",
  numEnvs: 2,
  numSteps: 64,
  numMinibatches: 2,
  updateEpochs: 1,
  totalTimesteps: 128 * 6,
  engine: "reference",
} as const;

Deno.test("recordEpisodes() writes env 0's every 3rd episode, each with its reset frame and one per step", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = await train(TINY, { writeFiles: false });
    const lengths: number[] = [];
    run.episodes$.subscribe((episode) => {
      if (episode.env === 0) lengths.push(episode.length);
    });
    const written: string[] = [];
    const recorder = recordEpisodes(run, {
      every: 3,
      dir,
      width: 120,
      onVideo: ({ path }) => written.push(path),
    });
    await run.done;
    const videos = await recorder.close();
    assert.deepEqual(videos, written);
    const finished = Math.floor((lengths.length - 1) / 3) + 1;
    assert.ok(finished >= 2, `env 0 finished ${lengths.length} episodes`);
    for (let k = 0; k < finished; k++) {
      const episode = k * 3;
      const path = videos.find((v) => v.includes(`/episode-${episode}-`));
      assert.ok(path, `episode ${episode} recorded: ${videos.join(", ")}`);
      const gif = decodeGif(await Deno.readFile(path));
      // The copy of env 0 replays it exactly, final state included.
      assert.equal(gif.frames, lengths[episode]! + 1, `frames of episode ${episode}`);
      assert.equal(gif.width, 120);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recordEpisodes() checks how often to record", async () => {
  const run = await train(TINY, { writeFiles: false });
  try {
    assert.throws(() => recordEpisodes(run, { every: 0, dir: "unused" }), {
      name: "RangeError",
      message: "Cannot record episodes as every must be a positive integer: current value is 0",
    });
  } finally {
    await run.stop();
  }
});
