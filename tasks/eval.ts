/**
 * `deno task eval --checkpoint <path> [--episodes N] [--stochastic] [--engine E] [--backend B]`: plays a
 * trained policy and prints the mean and standard deviation of its returns and lengths.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { engineHelp } from "../src/cli/engine_help.ts";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  ENGINE_CHOICES,
  type EngineChoice,
} from "../src/model/engines.ts";
import { evaluate } from "../src/train/evaluate.ts";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task eval --checkpoint <path> [flags]

  --checkpoint <path>   a training checkpoint (runs/<name>/checkpoints/latest.safetensors or best.safetensors)
  --episodes <n>        episodes to play (default: 10)
  --stochastic          sample actions instead of acting greedily (argmax / mean)
  --seed <n>            seed of the evaluation envs (default: 1000)
  --engine <name>       engine that runs the network: ${ENGINE_CHOICES.join(", ")} (default: reference)
  --backend <name>      gpu.js backend of --engine gpujs (another one implies it): ${
  BACKEND_CHOICES.join(", ")
}
  --help                this text

${engineHelp().join("\n")}`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: "string" },
      episodes: { type: "string", default: "10" },
      stochastic: { type: "boolean", default: false },
      seed: { type: "string", default: "1000" },
      engine: { type: "string" },
      backend: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.checkpoint === undefined) {
    console.error(`ppo-flow: --checkpoint is required\n\n${USAGE}`);
    return 2;
  }
  const result = await evaluate(values.checkpoint, {
    episodes: Number(values.episodes),
    stochastic: values.stochastic,
    seed: Number(values.seed),
    // evaluate() refuses a name outside the table, naming it.
    ...(values.engine === undefined ? {} : { engine: values.engine as EngineChoice }),
    ...(values.backend === undefined ? {} : { backend: values.backend as BackendChoice }),
  });
  const mode = values.stochastic ? "stochastic" : "greedy";
  console.log(
    `${result.envId}: ${result.returns.length} episodes (${mode}): return ${
      result.meanReturn.toFixed(2)
    } +- ${result.stdReturn.toFixed(2)}, length ${result.meanLength.toFixed(1)} +- ${
      result.stdLength.toFixed(1)
    }`,
  );
  return 0;
}

if (import.meta.main) await runCli(main);
