/** Something that takes bytes and says how many it took, like `Deno.FsFile` or `Deno.stderr`. */
export interface ByteSink {
  /** Writes a prefix of `bytes` (possibly all of it) and returns how many bytes it took. */
  write(bytes: Uint8Array): Promise<number> | number;
}

/** Writes every byte of `bytes`, looping over partial writes. */
export async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const n = await sink.write(bytes.subarray(written));
    if (!(n > 0)) throw new Error(`Cannot write bytes as the sink accepted none: current value is ${n}`);
    written += n;
  }
}

/** An open log file as the JSONL and TensorBoard writers use it; `Deno.FsFile` fits. */
export interface LogFile extends ByteSink {
  /** Cuts the file to `length` bytes. */
  truncate(length?: number): Promise<void>;
  /** The file's current size. */
  stat(): Promise<{ readonly size: number }>;
  /** Releases the file. */
  close(): void;
}

/** Opens a log file; replaceable in tests (a full disk, say). */
export type OpenLogFile = (path: string, options: Deno.OpenOptions) => Promise<LogFile>;

/**
 * Appends `bytes` to a log file as one unit: when the write fails part-way (a full disk), the file is cut back
 * to `size` so no half record is left for readers to trip on, and the error names the file and what was written.
 *
 * @param file The open file, positioned at its end.
 * @param path Its path, for the error.
 * @param size The file's size before this write.
 * @param bytes The record(s) to append.
 * @param what What `bytes` hold, for the error (`"a metrics line"`).
 * @returns The file's new size.
 */
export async function appendRecord(
  file: LogFile,
  path: string,
  size: number,
  bytes: Uint8Array,
  what: string,
): Promise<number> {
  try {
    await writeAll(file, bytes);
    return size + bytes.length;
  } catch (error) {
    let undone = "the partial write was removed";
    try {
      await file.truncate(size);
    } catch (truncateError) {
      undone = `the partial write could not be removed (${describe(truncateError)})`;
    }
    throw new Error(
      `Cannot write ${what} to ${path} as ${
        describe(error)
      }; ${undone}: current value is ${bytes.length} bytes`,
      {
        cause: error,
      },
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
