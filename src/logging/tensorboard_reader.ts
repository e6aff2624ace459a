import { decodeEvent } from "./_event_proto.ts";
import { unframeTfRecords } from "./_tfrecord.ts";

/** One decoded event of a TensorBoard event file. */
export interface TensorBoardEvent {
  /** Seconds since the Unix epoch. */
  readonly wallTime: number;
  /** The x-axis value, usually the global step. */
  readonly step: number;
  /** Scalar values by tag; empty for events that hold none (such as the file-version event). */
  readonly scalars: Readonly<Record<string, number>>;
  /** Present on the file-version event only, e.g. `"brain.Event:2"`. */
  readonly fileVersion?: string;
}

/** Options of {@linkcode readTensorBoardEvents}. */
export interface ReadTensorBoardEventsOptions {
  /**
   * Stop quietly at an incomplete last record instead of throwing, to read a file another process is still
   * writing. Complete records are always CRC-checked. @default {false}
   */
  readonly allowTruncatedTail?: boolean;
}

/**
 * Reads a TensorBoard event file back into its events, verifying the length and data CRCs of every record.
 *
 * Scalars are read from `simple_value`s (as {@linkcode TensorBoardWriter} and PyTorch's `SummaryWriter`
 * write them) and from one-element float tensors (TensorFlow 2); other summaries are skipped.
 *
 * @param path The event file.
 * @param options Truncation handling.
 * @returns The events in file order; the first is normally the file-version event.
 * @throws {Error} naming the file and the record's byte offset when a CRC does not match.
 * @throws {RangeError} naming the file and byte offset when a record is truncated or malformed.
 *
 * @example
 * ```ts ignore
 * import { readTensorBoardEvents } from "./tensorboard_reader.ts";
 *
 * const events = await readTensorBoardEvents("runs/cartpole/events.out.tfevents.1763719200.box");
 * const returns = events.filter((e) => "charts/episodic_return" in e.scalars);
 * ```
 */
export async function readTensorBoardEvents(
  path: string,
  options: ReadTensorBoardEventsOptions = {},
): Promise<TensorBoardEvent[]> {
  const bytes = await Deno.readFile(path);
  return unframeTfRecords(bytes, path, options.allowTruncatedTail ?? false).map(({ data, offset }) => {
    try {
      return decodeEvent(data);
    } catch (error) {
      throw new RangeError(
        `Cannot read ${path} as the event at byte offset ${offset} is malformed: current value is ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
  });
}
