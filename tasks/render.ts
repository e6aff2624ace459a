/**
 * `deno task render --checkpoint <path> [--episodes N] --out file.gif|file.mp4`: plays a trained policy (or a
 * random one) and writes an animation of its episodes.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { playEpisodes } from "../src/render/play_episodes.ts";
import { writeAnimation } from "../src/render/write_animation.ts";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task render --checkpoint <path> --out <file.gif|file.mp4> [flags]
       deno task render --random --env <id> --out <file.gif|file.mp4> [flags]

  --checkpoint <path>   a training checkpoint (runs/<name>/checkpoints/best.safetensors or latest...)
  --out <file>          animation to write: .gif, or .mp4 (needs ffmpeg installed)
  --episodes <n>        episodes to play, one after the other (default: 1)
  --random              random actions (on --env, or on the checkpoint's environment)
  --env <id>            environment of a random policy (CartPole-v1, Acrobot-v1, MountainCar-v0, ...)
  --stochastic          sample actions instead of acting greedily (argmax / mean)
  --seed <n>            seed of the environment and of sampling (default: 1000)
  --width <px>          width of the animation (default: the environment's frame width)
  --fps <n>             frames per second (default: the environment's own rate)
  --help                this text`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: "string" },
      out: { type: "string" },
      episodes: { type: "string", default: "1" },
      random: { type: "boolean", default: false },
      env: { type: "string" },
      stochastic: { type: "boolean", default: false },
      seed: { type: "string", default: "1000" },
      width: { type: "string" },
      fps: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.out === undefined) {
    console.error(`ppo-flow: --out is required\n\n${USAGE}`);
    return 2;
  }
  if (values.checkpoint === undefined && !(values.random && values.env !== undefined)) {
    console.error(`ppo-flow: --checkpoint, or --random with --env, is required\n\n${USAGE}`);
    return 2;
  }
  const played = await playEpisodes({
    ...(values.checkpoint === undefined ? {} : { checkpoint: values.checkpoint }),
    ...(values.env === undefined ? {} : { envId: values.env }),
    random: values.random,
    episodes: Number(values.episodes),
    stochastic: values.stochastic,
    seed: Number(values.seed),
  });
  const frames = played.episodes.flatMap((episode) => episode.frames);
  const fps = values.fps === undefined ? played.fps : Number(values.fps);
  const policy = values.random ? "random" : values.stochastic ? "stochastic" : "greedy";
  for (const [i, episode] of played.episodes.entries()) {
    console.log(
      `${played.envId} episode ${i + 1} (${policy}): return ${episode.return}, length ${episode.length}`,
    );
  }
  await writeAnimation(values.out, frames, {
    fps,
    ...(values.width === undefined ? {} : { width: Number(values.width) }),
  });
  console.log(`ppo-flow: wrote ${values.out} (${frames.length} frames at ${fps} fps)`);
  return 0;
}

if (import.meta.main) await runCli(main);
