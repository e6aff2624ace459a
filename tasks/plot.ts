/**
 * `deno task plot runs/<name> [runs/<other> ...] --out curves.svg|curves.png`: learning curves (episodic
 * return and losses against the global step) from the runs' `metrics.jsonl`, overlaid.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeLearningCurve } from "../src/plot/write_learning_curve.ts";
import { runCli } from "./_run_cli.ts";

const USAGE =
  `Usage: deno task plot <run dir> [<run dir> ...] [--out <file.svg|file.png>] [--keys <k1,k2,...>]

  --out <file>     .svg or .png (default: <first run dir>/learning_curves.svg)
  --keys <list>    metrics to plot, comma-separated (default: charts/episodic_return, losses/value_loss,
                   losses/policy_loss, losses/entropy, losses/approx_kl, losses/clipfrac)
  --help           this text`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      out: { type: "string" },
      keys: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`ppo-flow: give at least one run directory\n\n${USAGE}`);
    return 2;
  }
  const out = values.out ?? `${positionals[0]!.replace(/\/+$/, "")}/learning_curves.svg`;
  await writeLearningCurve(
    positionals,
    out,
    values.keys === undefined ? {} : { keys: values.keys.split(",") },
  );
  console.log(`ppo-flow: wrote ${out}`);
  return 0;
}

if (import.meta.main) await runCli(main);
