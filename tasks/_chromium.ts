/**
 * Debian's headless Chromium for the browser tests and `bench:browser`: where it is, the flags it runs with on
 * this closed network, and playwright-core loaded under Deno's permissions. Playwright cannot download its own
 * browser here, so `.ci/run` installs Debian's package.
 *
 * @module
 */
import fs from "node:fs";

/** Debian's chromium, as `.ci/run` installs it. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Launch flags: no sandbox (the tests run as root), no GPU, and none of the background connections that this
 * machine's closed network would refuse by the dozen.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Loads playwright-core. When it loads it probes /proc/sys/fs/binfmt_misc/WSLInterop with `fs.existsSync`;
 * Node's answers false on any error, but Deno's throws NotCapable for /proc paths short of --allow-all, so
 * Node's contract is restored for that call instead of granting every permission.
 */
export async function loadPlaywright(): Promise<typeof import("playwright-core")> {
  const existsSync = fs.existsSync;
  fs.existsSync = (path: fs.PathLike) => {
    try {
      return existsSync(path);
    } catch {
      return false;
    }
  };
  return await import("playwright-core");
}

/**
 * Why the browser tests cannot run here, or null: outside CI a missing Chromium skips them, saying why; CI
 * installs it, so there they must run (and fail if Chromium cannot start).
 */
export function chromiumMissing(): string | null {
  if (Deno.env.get("CI") === "true") return null;
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    return `${CHROMIUM} not found (apt-get install chromium, as .ci/run does)`;
  }
}
