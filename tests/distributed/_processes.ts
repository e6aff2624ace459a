/**
 * Learner and worker processes for the multi-process tests: `tasks/train.ts` and `tasks/worker.ts` run as
 * `deno task` runs them (their own permissions), on a test's NATS server and runs directory.
 *
 * @module
 */

const TRAIN = new URL("../../tasks/train.ts", import.meta.url).pathname;
const WORKER = new URL("../../tasks/worker.ts", import.meta.url).pathname;
const SWEEP = new URL("../../tasks/sweep.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

/** CartPole, 20k steps, on the reference engine on both sides (equality needs the same engine). */
export const CARTPOLE_20K = ["--env", "CartPole-v1", "--total-timesteps", "20000", "--engine", "reference"];

/** A worker process; its output goes to a log file (read it with `log()`). */
export interface WorkerProcess {
  readonly child: Deno.ChildProcess;
  log(): Promise<string>;
  /** Stops it with `signal` and waits for it. */
  kill(signal?: Deno.Signal): Promise<void>;
}

/** Starts `deno task worker --nats <url>`, training sweep trials under `dir`. */
export function startWorker(url: string, dir: string, name: string, args: string[] = []): WorkerProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=.,${dir}`,
      `--allow-write=${dir}`,
      "--allow-sys=hostname",
      "--allow-net=127.0.0.1",
      WORKER,
      "--nats",
      url,
      "--trials-dir",
      `${dir}/trials-${name}`,
      ...args,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
  };
  const done = Promise.all([collect(child.stdout), collect(child.stderr)]);
  let killed = false;
  return {
    child,
    log: () => Promise.resolve(`${name} (${dir}):\n${text}`),
    async kill(signal: Deno.Signal = "SIGTERM") {
      if (!killed) {
        killed = true;
        try {
          child.kill(signal);
        } catch {
          // Already exited.
        }
      }
      await child.status;
      await done;
    },
  };
}

/** Waits until a worker has printed its ready line. */
export async function workerReady(worker: WorkerProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await worker.log()).includes("serving rollout tasks")) {
    if (Date.now() > deadline) throw new Error(`worker did not start: ${await worker.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts `deno task train` with the task's permissions, writing under `runsDir`. */
export function startTrain(runsDir: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=.,${runsDir}`,
      `--allow-write=${runsDir}`,
      "--allow-sys=hostname",
      "--allow-net=127.0.0.1",
      TRAIN,
      // A resumed run keeps its directory.
      ...(args.includes("--resume") ? [] : ["--runs-dir", runsDir]),
      "--quiet",
      ...args,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs `deno task train` to its end. */
export async function train(runsDir: string, args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await startTrain(runsDir, args).output();
  const text = new TextDecoder();
  return { code, output: text.decode(stdout) + text.decode(stderr) };
}

/** A run's metrics.jsonl without its timing field (`charts/SPS`). */
export async function metricsWithoutTime(runDir: string): Promise<Record<string, unknown>[]> {
  const lines = (await Deno.readTextFile(`${runDir}/metrics.jsonl`)).trim().split("\n");
  return lines.map((line) => {
    const { "charts/SPS": _sps, ...rest } = JSON.parse(line);
    return rest;
  });
}

/** Runs `deno task sweep` to its end, writing under `dir`. */
export async function sweep(dir: string, args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", `--allow-read=.,${dir}`, `--allow-write=${dir}`, "--allow-net=127.0.0.1", SWEEP, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, output: text.decode(stdout) + text.decode(stderr) };
}
