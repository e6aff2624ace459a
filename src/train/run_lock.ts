/**
 * One run, one writer: the exclusive lock a training process holds on its run directory.
 *
 * @module
 */

/** Who holds (or last held) a run directory, as written in its `run.lock`. */
export interface RunLockHolder {
  /** Process id of the holder. */
  readonly pid: number;
  /** Host name of the holder's machine. */
  readonly hostname: string;
  /** When the holder claimed the directory (ISO 8601). */
  readonly since: string;
}

/** Options of {@linkcode RunLock.claim}. */
export interface RunLockOptions {
  /** Create the run directory (and its parents) when it does not exist. @default {false} */
  readonly create?: boolean;
  /** Told when a lock left by a process that died is taken over. @default {console.warn} */
  readonly onWarning?: (message: string) => void;
}

/** The lock file's name inside a run directory. */
export const RUN_LOCK_FILE = "run.lock";

/**
 * An exclusive claim on a run directory, so two training processes (two `train` commands with one
 * `--run-name`, or a `--resume` of a run still training) can never write into one run.
 *
 * The claim is an advisory exclusive lock (`flock`) on `<run dir>/run.lock`, which also records the holder's
 * pid, host and start time for the error the next claimant sees. The operating system drops the lock when its
 * process dies, even by `kill -9`, so a lock file left by a dead process is detected (its file is unlocked)
 * and taken over with a warning naming the previous holder. {@linkcode RunLock.release} deletes the file while
 * still holding the lock; a claimant that locked a file just deleted sees that its inode is no longer the
 * path's and tries again.
 *
 * @example
 * ```ts
 * import { RunLock } from "./run_lock.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const lock = await RunLock.claim(dir);
 * await assert.rejects(RunLock.claim(dir), /another process holds it/);
 * await lock.release();
 * await (await RunLock.claim(dir)).release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RunLock {
  /** The run directory. */
  readonly dir: string;
  /** The lock file. */
  readonly path: string;
  #file: Deno.FsFile | null;

  private constructor(dir: string, path: string, file: Deno.FsFile) {
    this.dir = dir;
    this.path = path;
    this.#file = file;
  }

  /**
   * Claims `dir` for this process.
   *
   * @param dir The run directory.
   * @param options Create the directory; where take-over warnings go.
   * @returns The held lock; release it when the run ends.
   * @throws {Deno.errors.Busy} naming the directory and the holder when a live process holds it.
   * @throws {Deno.errors.NotFound} when `dir` does not exist and `create` is off.
   */
  static async claim(dir: string, options: RunLockOptions = {}): Promise<RunLock> {
    const path = `${dir}/${RUN_LOCK_FILE}`;
    const warn = options.onWarning ?? ((message: string) => console.warn(message));
    if (options.create) await Deno.mkdir(dir, { recursive: true });
    else await requireDirectory(dir);
    // A lock released (and its file deleted) between our open and our lock leaves us holding a deleted
    // inode; a few retries cover any realistic interleaving.
    for (let attempt = 0; attempt < 8; attempt++) {
      const file = await Deno.open(path, { read: true, write: true, create: true });
      if (!await file.tryLock(true)) {
        const holder = describeHolder(await readLiveHolder(path));
        file.close();
        throw new Deno.errors.Busy(
          `Cannot use run directory ${dir} as another process holds it (${holder}); wait for it to end or ` +
            `choose another --run-name: current value is ${path}`,
        );
      }
      if (!await sameFile(file, path)) {
        file.close();
        continue;
      }
      const previous = await readHolder(path);
      if (previous !== null) {
        warn(
          `ppo-flow: taking over ${path}, left by ${describeHolder(previous)} which no longer holds it ` +
            `(it ended without releasing the run)`,
        );
      }
      const holder: RunLockHolder = {
        pid: Deno.pid,
        hostname: hostnameOrUnknown(),
        since: new Date().toISOString(),
      };
      await file.truncate(0);
      await file.seek(0, Deno.SeekMode.Start);
      await file.write(new TextEncoder().encode(JSON.stringify(holder) + "\n"));
      return new RunLock(dir, path, file);
    }
    throw new Deno.errors.Busy(
      `Cannot use run directory ${dir} as its lock file keeps being replaced: current value is ${path}`,
    );
  }

  /** True until {@linkcode RunLock.release} is called. */
  get held(): boolean {
    return this.#file !== null;
  }

  /** Deletes the lock file and releases the lock. Further calls do nothing. */
  async release(): Promise<void> {
    const file = this.#file;
    if (file === null) return;
    this.#file = null;
    try {
      await Deno.remove(this.path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    } finally {
      file.close();
    }
  }
}

async function requireDirectory(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot claim run directory ${dir} as it does not exist: current value is ${dir}`,
      );
    }
    throw error;
  }
  if (!info.isDirectory) {
    throw new TypeError(
      `Cannot claim run directory ${dir} as it is not a directory: current value is ${dir}`,
    );
  }
}

async function sameFile(file: Deno.FsFile, path: string): Promise<boolean> {
  try {
    const [open, named] = await Promise.all([file.stat(), Deno.stat(path)]);
    return open.ino === named.ino && open.dev === named.dev;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The holder of a lock another process holds: it writes its pid just after locking, so an empty file is re-read
 * for a moment before it is reported as a holder without a pid.
 */
async function readLiveHolder(path: string): Promise<RunLockHolder | null> {
  for (let attempt = 0;; attempt++) {
    const holder = await readHolder(path);
    if (holder !== null || attempt === HOLDER_RETRIES) return holder;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Re-reads of an empty lock file held by another process (10 ms apart). */
const HOLDER_RETRIES = 50;

async function readHolder(path: string): Promise<RunLockHolder | null> {
  let text: string;
  try {
    text = (await Deno.readTextFile(path)).trim();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  if (text === "") return null;
  try {
    const holder = JSON.parse(text) as Partial<RunLockHolder>;
    return {
      pid: typeof holder.pid === "number" ? holder.pid : -1,
      hostname: typeof holder.hostname === "string" ? holder.hostname : "an unknown host",
      since: typeof holder.since === "string" ? holder.since : "an unknown time",
    };
  } catch {
    return { pid: -1, hostname: "an unknown host", since: "an unknown time" };
  }
}

function describeHolder(holder: RunLockHolder | null): string {
  if (holder === null) return "a process that has not written its pid yet";
  return `pid ${holder.pid} on ${holder.hostname} since ${holder.since}`;
}

function hostnameOrUnknown(): string {
  try {
    return Deno.hostname();
  } catch {
    return "an unknown host";
  }
}
