/**
 * `deno task worker --nats nats://host:4222`: a rollout worker. It pulls rollout tasks of any learner
 * (`deno task train --nats ... --shards S`) from JetStream, steps its shard of envs and returns the segment.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ENGINE_CHOICES, type EngineChoice } from "../src/model/engines.ts";
import { connectNats } from "../src/distributed/connect_nats.ts";
import {
  checkNatsPermission,
  natsFlagHelp,
  natsFlagOptions,
  natsOptionsFromFlags,
} from "../src/distributed/nats_flags.ts";
import { startRolloutWorker } from "../src/distributed/rollout_worker.ts";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task worker --nats nats://host:4222 [flags]

Serves rollout tasks of every learner on the NATS server (deno task train --nats <url> --shards S) until
Ctrl-C: each task names its run, env id, engine, weights version and the states of its shard of envs; the
worker steps them and stores the segment before acknowledging the task. Tasks are data, never code.

Flags:
  --ack-wait <ms>           unacknowledged time after which JetStream gives a task to another worker
                            (default: 10000; the worker heartbeats a long shard)
  --engine <name>           act on this engine instead of the learner's (segments then match a local
                            run only as closely as the two engines agree)
  --trials-dir <dir>        where sweep trials (deno task sweep) train (default: runs/trials)
  --no-trials               serve rollout tasks only, no sweep trials
  --quiet                   no line per task
  --help                    this text

Connection:`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...natsFlagOptions(),
      "ack-wait": { type: "string" },
      engine: { type: "string" },
      "trials-dir": { type: "string" },
      "no-trials": { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log([USAGE, ...natsFlagHelp()].join("\n"));
    return 0;
  }
  const nats = natsOptionsFromFlags(values);
  if (nats === null) throw new TypeError("Cannot start a worker without --nats: current value is none");
  const ackWaitMs = values["ack-wait"] === undefined ? 10_000 : Number(values["ack-wait"]);
  if (!Number.isInteger(ackWaitMs) || ackWaitMs < 1000) {
    throw new RangeError(
      `Cannot parse --ack-wait as it must be an integer of at least 1000 ms: current value is "${
        values["ack-wait"]
      }"`,
    );
  }
  const engine = values.engine;
  if (engine !== undefined && !(ENGINE_CHOICES as readonly string[]).includes(engine)) {
    throw new RangeError(
      `Cannot parse --engine as it must be one of ${ENGINE_CHOICES.join(", ")}: current value is "${engine}"`,
    );
  }
  await checkNatsPermission(nats, "worker");
  const nc = await connectNats({ ...nats, name: `ppo-flow worker ${Deno.pid}` });
  const worker = await startRolloutWorker(nc, {
    ackWaitMs,
    trialsDir: values["no-trials"] ? null : values["trials-dir"] ?? "runs/trials",
    onTrial: (trial, event, resumedFrom) =>
      console.log(
        `ppo-flow worker: trial ${trial.index} of ${trial.sweep} (${trial.name}) ${event}${
          resumedFrom > 0 ? `, resumed from iteration ${resumedFrom}` : ""
        }`,
      ),
    ...(engine === undefined ? {} : { engine: engine as EngineChoice }),
    ...(values.quiet ? {} : {
      onTask: (task, ms) =>
        console.log(
          `ppo-flow worker: run ${task.run} iteration ${task.iteration} shard ${task.shard} (${task.numEnvs} envs x ${task.numSteps} steps of ${task.envId}) in ${
            ms.toFixed(0)
          } ms`,
        ),
    }),
  });
  console.log(`ppo-flow worker: serving rollout tasks from ${nats.url} (pid ${Deno.pid})`);
  const stop = () => void worker.stop();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  try {
    await worker.done;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
    await nc.drain().catch(() => {});
  }
  console.log(`ppo-flow worker: stopped after ${worker.tasksDone} tasks`);
  return 0;
}

if (import.meta.main) await runCli(main);
