import { appendRecord, type LogFile, type OpenLogFile } from "./_write_all.ts";

export type { LogFile, OpenLogFile } from "./_write_all.ts";

/** Options of {@linkcode JsonlWriter.open}. */
export interface JsonlWriterOptions {
  /** Keep the lines already in the file (a resumed run) instead of starting it empty. @default {true} */
  readonly append?: boolean;
  /** Opens the file; replaceable in tests. @default {Deno.open} */
  readonly open?: OpenLogFile;
}

const encoder = new TextEncoder();

/**
 * Appends one JSON object per line to a file such as `runs/<run-name>/metrics.jsonl`.
 *
 * Every {@linkcode JsonlWriter.write} hands its whole line to the operating system before it resolves, so a
 * run that is killed keeps every line it logged; a write that fails part-way (a full disk) is cut back off,
 * so the file never ends in half a line, and the error names the file. JSON cannot hold `NaN`, `Infinity` or `-Infinity`: they are
 * written as `null` (a diverged loss shows up as `null`, never as a made-up number). Lines are written in
 * call order even when calls are not awaited.
 *
 * @example
 * ```ts ignore
 * import { JsonlWriter } from "./jsonl_writer.ts";
 *
 * const metrics = await JsonlWriter.open("runs/cartpole/metrics.jsonl");
 * await metrics.write({ global_step: 2048, "charts/SPS": 1200, "losses/approx_kl": NaN }); // approx_kl: null
 * await metrics.close();
 * ```
 */
export class JsonlWriter {
  /** Path of the file. */
  readonly path: string;
  readonly #file: LogFile;
  #size: number;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, file: LogFile, size: number) {
    this.path = path;
    this.#file = file;
    this.#size = size;
  }

  /**
   * Opens (creating it if needed) the file at `path`; its directory must exist.
   *
   * @param path The file, e.g. `runs/<run-name>/metrics.jsonl`.
   * @param options Append or truncate.
   * @returns A writer; close it when done.
   */
  static async open(path: string, options: JsonlWriterOptions = {}): Promise<JsonlWriter> {
    const append = options.append ?? true;
    const open = options.open ?? Deno.open;
    const file = await open(path, { create: true, write: true, append, truncate: !append });
    try {
      return new JsonlWriter(path, file, (await file.stat()).size);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /**
   * Writes `record` as one line.
   *
   * @param record A JSON-serialisable object (not an array); non-finite numbers anywhere inside become `null`.
   * @returns A promise that resolves once the line is written; it rejects, naming the file, when the write
   *   fails (the partial line removed), and so does every later write.
   */
  write(record: object): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new Error(
          `Cannot write a line as the JSONL writer for ${this.path} is closed: current value is open: false`,
        ),
      );
    }
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      return Promise.reject(
        new TypeError(
          `Cannot write a line as the record must be an object: current value is ${String(record)}`,
        ),
      );
    }
    const line = encoder.encode(`${JSON.stringify(record, finiteOrNull)}\n`);
    this.#writing = this.#writing.then(async () => {
      this.#size = await appendRecord(this.#file, this.path, this.#size, line, "a line");
    });
    return this.#writing;
  }

  /**
   * Waits for pending lines and closes the file. Further calls do nothing.
   *
   * @returns A promise that resolves once the file is closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#writing;
    } finally {
      this.#file.close();
    }
  }
}

// JSON.stringify already prints non-finite numbers as null; saying so here keeps that a decision, not an accident.
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}
