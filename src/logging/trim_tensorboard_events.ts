import { writeFileAtomic } from "../io/write_file_atomic.ts";
import { decodeEvent } from "./_event_proto.ts";
import { frameTfRecord, TFRECORD_OVERHEAD, unframeTfRecords } from "./_tfrecord.ts";

/**
 * Drops the events after `lastStep` from a TensorBoard event file, and a record cut short by a crash, so a
 * resumed run that redoes those steps does not show them twice. The file is rewritten atomically, and only
 * when something is dropped.
 *
 * @param path The event file.
 * @param lastStep The last global step to keep (the resumed checkpoint's); the file-version event is kept.
 * @returns How many events (a cut record counting as one) were dropped.
 * @throws {Error} naming the file when a complete record fails its CRC (a corrupt file is never rewritten).
 *
 * @example
 * ```ts
 * import { TensorBoardWriter } from "./tensorboard_writer.ts";
 * import { readTensorBoardEvents } from "./tensorboard_reader.ts";
 * import { trimTensorBoardEvents } from "./trim_tensorboard_events.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = await TensorBoardWriter.open(dir, { hostname: "box" });
 * for (const step of [64, 128, 192]) writer.addScalars(step, { "charts/SPS": 1000 });
 * await writer.close();
 * assert.equal(await trimTensorBoardEvents(writer.path, 128), 1);
 * assert.deepEqual((await readTensorBoardEvents(writer.path)).map((e) => e.step), [0, 64, 128]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function trimTensorBoardEvents(path: string, lastStep: number): Promise<number> {
  const bytes = await Deno.readFile(path);
  const records = unframeTfRecords(bytes, path, true);
  const complete = records.length === 0
    ? 0
    : records[records.length - 1]!.offset + records[records.length - 1]!.data.length + TFRECORD_OVERHEAD;
  const kept = records.filter(({ data }) => decodeEvent(data).step <= lastStep);
  const dropped = records.length - kept.length + (complete < bytes.length ? 1 : 0);
  if (dropped === 0) return 0;
  const frames = kept.map(({ data }) => frameTfRecord(data));
  const out = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
  let offset = 0;
  for (const frame of frames) {
    out.set(frame, offset);
    offset += frame.length;
  }
  await writeFileAtomic(path, out);
  return dropped;
}
