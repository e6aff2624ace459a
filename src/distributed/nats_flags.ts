/**
 * The command-line flags that say how to reach a NATS server (`--nats` and its credentials and TLS files),
 * shared by `deno task train`, `deno task worker` and `deno task sweep`.
 *
 * @module
 */
import type { NatsOptions } from "./connect_nats.ts";

/** `parseArgs` option descriptors of the NATS flags. */
export function natsFlagOptions(): Record<string, { type: "string" }> {
  return Object.fromEntries(NATS_FLAGS.map(([flag]) => [flag, { type: "string" as const }]));
}

const NATS_FLAGS = [
  ["nats", "NATS server URL with JetStream, e.g. nats://host:4222"],
  ["nats-user", "user name (with --nats-password)"],
  ["nats-password", "password"],
  ["nats-token", "authentication token"],
  ["nats-creds", "a .creds file (JWT and nkey seed)"],
  ["nats-ca", "TLS: CA certificate file to trust"],
  ["nats-cert", "TLS: client certificate file (mutual TLS)"],
  ["nats-key", "TLS: client key file (mutual TLS)"],
] as const;

/** Help lines of the NATS flags. */
export function natsFlagHelp(): string[] {
  return NATS_FLAGS.map(([flag, help]) => `  --${`${flag} <value>`.padEnd(24)}${help}`);
}

/** NATS flag names, for checks of flags that need `--nats`. */
export const NATS_FLAG_NAMES: readonly string[] = NATS_FLAGS.map(([flag]) => flag);

/**
 * The connection options the flags give, or null without `--nats`.
 *
 * @example
 * ```ts
 * import { natsOptionsFromFlags } from "./nats_flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(natsOptionsFromFlags({ nats: "nats://h:4222", "nats-token": "s3cret" }), {
 *   url: "nats://h:4222", token: "s3cret",
 * });
 * ```
 */
export function natsOptionsFromFlags(values: Record<string, unknown>): NatsOptions | null {
  const text = (flag: string) => typeof values[flag] === "string" ? values[flag] as string : undefined;
  const url = text("nats");
  if (url === undefined) {
    const stray = NATS_FLAG_NAMES.find((flag) => values[flag] !== undefined);
    if (stray !== undefined) {
      throw new TypeError(`Cannot use --${stray} without --nats: current value is ${String(values[stray])}`);
    }
    return null;
  }
  const tls = {
    ...(text("nats-ca") === undefined ? {} : { caFile: text("nats-ca")! }),
    ...(text("nats-cert") === undefined ? {} : { certFile: text("nats-cert")! }),
    ...(text("nats-key") === undefined ? {} : { keyFile: text("nats-key")! }),
  };
  return {
    url,
    ...(text("nats-user") === undefined ? {} : { user: text("nats-user")! }),
    ...(text("nats-password") === undefined ? {} : { password: text("nats-password")! }),
    ...(text("nats-token") === undefined ? {} : { token: text("nats-token")! }),
    ...(text("nats-creds") === undefined ? {} : { credsFile: text("nats-creds")! }),
    ...(Object.keys(tls).length === 0 && !url.startsWith("tls://") ? {} : { tls }),
  };
}

/**
 * Refuses, before connecting, a NATS host this process may not reach, saying how to allow it.
 *
 * @param options The connection options.
 * @param task The task name for the message (`train`, `worker`, `sweep`).
 */
export async function checkNatsPermission(options: NatsOptions, task: string): Promise<void> {
  for (const server of options.url.split(",")) {
    const host = new URL(server.trim().replace(/^(nats|tls):/, "http:")).hostname;
    const status = await Deno.permissions.query({ name: "net", host });
    if (status.state !== "granted") {
      throw new Deno.errors.NotCapable(
        `Cannot connect to the NATS server at ${server.trim()} as this task may not reach ${host} (run it with ` +
          `deno run --allow-net=${host} ... tasks/${task}.ts, see the README's distributed training section): current value is ${host}`,
      );
    }
  }
}
