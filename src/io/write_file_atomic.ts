import { dirname } from "node:path";

/**
 * Replaces `path` with `data` atomically: writes `<path>.<pid>.tmp`, syncs it to disk and renames it over
 * `path`, so a crash, a kill or a full disk leaves either the old file or the new one, never a cut one. On
 * failure the temporary file is removed and the error names `path`.
 *
 * @param path The file to replace (or create).
 * @param data Its new contents; a string is written as UTF-8.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./write_file_atomic.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/config.json`, '{"seed":1}\n');
 * assert.equal(await Deno.readTextFile(`${dir}/config.json`), '{"seed":1}\n');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temporary = `${path}.${Deno.pid}.tmp`;
  try {
    const file = await Deno.open(temporary, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw new Error(
      `Cannot write ${path} as ${
        error instanceof Error ? error.message : String(error)
      }: current value is ${bytes.length} bytes`,
      { cause: error },
    );
  }
  await syncDirectory(dirname(path));
}

/** Makes a rename durable; some platforms cannot open a directory, which only weakens durability. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Durability of the rename is best effort where directories cannot be synced.
  }
}
