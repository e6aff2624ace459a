import { join } from "node:path";
import { encodeEvent } from "./_event_proto.ts";
import { frameTfRecord } from "./_tfrecord.ts";
import { appendRecord, type LogFile, type OpenLogFile } from "./_write_all.ts";

/** Options of {@linkcode TensorBoardWriter.open}. */
export interface TensorBoardWriterOptions {
  /** Wall clock in milliseconds since the Unix epoch, for the file name and event times. @default {Date.now} */
  readonly clock?: () => number;
  /** Host name in the file name. @default {Deno.hostname()} */
  readonly hostname?: string;
  /** Opens the file; replaceable in tests. @default {Deno.open} */
  readonly open?: OpenLogFile;
}

/**
 * Writes scalars to a TensorBoard event file, so `tensorboard --logdir runs` plots a run's curves.
 *
 * The file is `events.out.tfevents.<unix seconds>.<hostname>` in `dir` (with `.1`, `.2`, ... appended when
 * that name is taken): a sequence of TFRecords, each an `Event` protobuf; the first carries the file
 * version `brain.Event:2`, the others one step's scalars as `simple_value`s. Events are buffered in memory
 * by {@linkcode TensorBoardWriter.addScalars} and reach the file on {@linkcode TensorBoardWriter.flush}
 * (call it once per iteration) and {@linkcode TensorBoardWriter.close}. A flush that fails part-way (a full
 * disk) is cut back off, so readers never meet half a record, and the error names the file and the steps.
 *
 * @example
 * ```ts ignore
 * import { TensorBoardWriter } from "./tensorboard_writer.ts";
 *
 * const writer = await TensorBoardWriter.open("runs/cartpole");
 * writer.addScalars(2048, { "charts/episodic_return": 22.5, "losses/value_loss": 31.2 });
 * await writer.flush();
 * await writer.close();
 * ```
 */
export class TensorBoardWriter {
  /** Path of the event file. */
  readonly path: string;
  readonly #file: LogFile;
  readonly #clock: () => number;
  #size = 0;
  #pending: Uint8Array[] = [];
  #pendingSteps: number[] = [];
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, file: LogFile, clock: () => number) {
    this.path = path;
    this.#file = file;
    this.#clock = clock;
  }

  /**
   * Creates a new event file in `dir` (creating `dir` too) and writes its file-version event.
   *
   * @param dir The directory, usually `runs/<run-name>`.
   * @param options Clock and host name.
   * @returns A writer; close it when done.
   */
  static async open(dir: string, options: TensorBoardWriterOptions = {}): Promise<TensorBoardWriter> {
    const clock = options.clock ?? Date.now;
    const hostname = options.hostname ?? Deno.hostname();
    if (hostname === "" || /[\\/]/.test(hostname)) {
      throw new TypeError(
        `Cannot open TensorBoard event file as hostname must be a non-empty name without slashes: current value is ${
          JSON.stringify(hostname)
        }`,
      );
    }
    await Deno.mkdir(dir, { recursive: true });
    const now = clock();
    const open = options.open ?? Deno.open;
    const base = join(dir, `events.out.tfevents.${Math.floor(now / 1000)}.${hostname}`);
    for (let attempt = 0;; attempt++) {
      const path = attempt === 0 ? base : `${base}.${attempt}`;
      let file: LogFile;
      try {
        file = await open(path, { write: true, createNew: true });
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) continue;
        throw error;
      }
      const writer = new TensorBoardWriter(path, file, clock);
      writer.#pending.push(
        frameTfRecord(encodeEvent({ wallTime: now / 1000, step: 0, fileVersion: "brain.Event:2" })),
      );
      try {
        await writer.flush();
      } catch (error) {
        file.close();
        throw error;
      }
      return writer;
    }
  }

  /**
   * Buffers one event holding `scalars` at `step`. Non-finite values are kept (TensorBoard shows them).
   *
   * @param step The x-axis value, usually the global step: a non-negative safe integer.
   * @param scalars Values by tag, e.g. `{ "charts/SPS": 1200 }`; stored as float32.
   * @param wallTime Seconds since the Unix epoch. @default {clock() / 1000}
   */
  addScalars(step: number, scalars: Readonly<Record<string, number>>, wallTime?: number): void {
    if (this.#closed) {
      throw new Error(
        `Cannot add scalars as the TensorBoard writer for ${this.path} is closed: current value is step ${step}`,
      );
    }
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new RangeError(
        `Cannot add scalars as step must be a non-negative safe integer: current value is ${step}`,
      );
    }
    for (const [tag, value] of Object.entries(scalars)) {
      if (typeof value !== "number") {
        throw new TypeError(
          `Cannot add scalars as ${tag} must be a number: current value is ${String(value)}`,
        );
      }
    }
    const time = wallTime ?? this.#clock() / 1000;
    this.#pending.push(frameTfRecord(encodeEvent({ wallTime: time, step, scalars })));
    this.#pendingSteps.push(step);
  }

  /**
   * Writes the buffered events to the file.
   *
   * @returns A promise that resolves once every event added so far is written.
   */
  flush(): Promise<void> {
    const chunks = this.#pending;
    const steps = this.#pendingSteps;
    this.#pending = [];
    this.#pendingSteps = [];
    if (chunks.length === 0) return this.#writing;
    const what = steps.length === 0
      ? "the file-version event"
      : `${steps.length} event${steps.length === 1 ? "" : "s"} (step${steps.length === 1 ? "" : "s"} ${
        [...new Set([steps[0], steps[steps.length - 1]])].join("-")
      })`;
    this.#writing = this.#writing.then(async () => {
      this.#size = await appendRecord(this.#file, this.path, this.#size, concat(chunks), what);
    });
    return this.#writing;
  }

  /**
   * Flushes and closes the file. Further calls do nothing.
   *
   * @returns A promise that resolves once the file is closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      this.#file.close();
    }
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
