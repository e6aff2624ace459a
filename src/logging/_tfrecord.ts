import { crc32c } from "../io/crc32c.ts";

/** Bytes of framing around each record: length (8), length CRC (4), data CRC (4). */
export const TFRECORD_OVERHEAD = 16;

/** TFRecord's masked CRC-32C: rotate right by 15 and add a constant, so CRCs of CRCs stay well spread. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** Frames `data` as one TFRecord: uint64 LE length, masked CRC of the length, data, masked CRC of the data. */
export function frameTfRecord(data: Uint8Array): Uint8Array {
  const record = new Uint8Array(data.length + TFRECORD_OVERHEAD);
  const view = new DataView(record.buffer);
  view.setUint32(0, data.length % 0x100000000, true);
  view.setUint32(4, Math.floor(data.length / 0x100000000), true);
  view.setUint32(8, maskedCrc32c(record.subarray(0, 8)), true);
  record.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return record;
}

/** One record found by {@linkcode unframeTfRecords}: its data and the byte offset where its frame starts. */
export interface TfRecord {
  readonly data: Uint8Array;
  readonly offset: number;
}

/**
 * Splits a TFRecord file into records, verifying both CRCs of each.
 *
 * @param bytes The whole file.
 * @param source The file name, for error messages.
 * @param allowTruncatedTail Stop quietly at an incomplete last record (a file still being written).
 */
export function unframeTfRecords(bytes: Uint8Array, source: string, allowTruncatedTail: boolean): TfRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: TfRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 12) {
      if (allowTruncatedTail) break;
      throw new RangeError(
        `Cannot read ${source} as the record at byte offset ${offset} is truncated: current value is ${
          bytes.length - offset
        } bytes left, fewer than its 12-byte header`,
      );
    }
    const lengthCrc = view.getUint32(offset + 8, true);
    const expectedLengthCrc = maskedCrc32c(bytes.subarray(offset, offset + 8));
    if (lengthCrc !== expectedLengthCrc) {
      throw new Error(
        `Cannot read ${source} as the length CRC of the record at byte offset ${offset} does not match: ` +
          `current value is ${hex(lengthCrc)}, computed ${hex(expectedLengthCrc)}`,
      );
    }
    const length = view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 0x100000000;
    const end = offset + 12 + length + 4;
    if (end > bytes.length) {
      if (allowTruncatedTail) break;
      throw new RangeError(
        `Cannot read ${source} as the record at byte offset ${offset} is truncated: current value is ${
          bytes.length - offset
        } bytes left, the record needs ${length + TFRECORD_OVERHEAD}`,
      );
    }
    const data = bytes.subarray(offset + 12, offset + 12 + length);
    const dataCrc = view.getUint32(offset + 12 + length, true);
    const expectedDataCrc = maskedCrc32c(data);
    if (dataCrc !== expectedDataCrc) {
      throw new Error(
        `Cannot read ${source} as the data CRC of the record at byte offset ${offset} does not match: ` +
          `current value is ${hex(dataCrc)}, computed ${hex(expectedDataCrc)}`,
      );
    }
    records.push({ data, offset });
    offset = end;
  }
  return records;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
