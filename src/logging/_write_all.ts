/** Something that takes bytes and says how many it took, like `Deno.FsFile` or `Deno.stderr`. */
export interface ByteSink {
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
