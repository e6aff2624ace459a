/**
 * `deno task sweep --nats nats://host:4222 --grid sweep.json`: trains one trial per config and seed on the
 * workers (`deno task worker`), shows their progress and writes a summary.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connectNats } from "../src/distributed/connect_nats.ts";
import {
  checkNatsPermission,
  natsFlagHelp,
  natsFlagOptions,
  natsOptionsFromFlags,
} from "../src/distributed/nats_flags.ts";
import { runSweep, type SweepSpec } from "../src/distributed/run_sweep.ts";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task sweep --nats nats://host:4222 --grid sweep.json [flags]

Publishes one trial per config and seed on the NATS server's trial queue; every worker
(deno task worker --nats <url>) trains trials end to end and streams their metrics back. A trial whose
worker dies is trained on by another from its last checkpoint. Ends when every trial has ended.

sweep.json: {"base": {...}, "grid": {"learningRate": [0.001, 0.0003], ...}, "seeds": [1, 2]}
        or  {"base": {...}, "configs": [{...}, {...}], "seeds": [1, 2]}

Flags:
  --grid <file.json>        the sweep
  --out <dir>               summary.csv, summary.json, trial metrics and learning_curves.svg
                            (default: runs/sweeps/<grid file name>)
  --checkpoint-every <n>    iterations between a trial's checkpoints (default: 10)
  --help                    this text

Connection:`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...natsFlagOptions(),
      grid: { type: "string" },
      out: { type: "string" },
      "checkpoint-every": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log([USAGE, ...natsFlagHelp()].join("\n"));
    return 0;
  }
  const nats = natsOptionsFromFlags(values);
  if (nats === null) throw new TypeError("Cannot run a sweep without --nats: current value is none");
  if (values.grid === undefined) {
    throw new TypeError("Cannot run a sweep without --grid: current value is none");
  }
  const checkpointEvery = values["checkpoint-every"] === undefined ? 10 : Number(values["checkpoint-every"]);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new RangeError(
      `Cannot parse --checkpoint-every as it must be a positive integer: current value is "${
        values["checkpoint-every"]
      }"`,
    );
  }
  const spec = JSON.parse(await Deno.readTextFile(values.grid)) as SweepSpec;
  const name = values.grid.split("/").at(-1)!.replace(/\.json$/, "");
  const outDir = values.out ?? `runs/sweeps/${name}`;
  await checkNatsPermission(nats, "sweep");
  const nc = await connectNats({ ...nats, name: "ppo-flow sweep" });
  try {
    const summaries = await runSweep(nc, spec, { outDir, checkpointEvery });
    console.log(`ppo-flow sweep: summary in ${outDir}/summary.csv (best first):`);
    for (const s of summaries) {
      console.log(
        `  ${s.status.padEnd(6)} ${(s.finalReturn?.toFixed(1) ?? "-").padStart(7)}  ${s.name}${
          s.resumedFrom > 0 ? ` (resumed from iteration ${s.resumedFrom})` : ""
        }`,
      );
    }
    return summaries.every((s) => s.status === "done") ? 0 : 1;
  } finally {
    await nc.drain().catch(() => {});
  }
}

if (import.meta.main) await runCli(main);
