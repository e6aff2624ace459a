/**
 * Connects to a NATS server with the official client, passing credentials and TLS through.
 *
 * @module
 */
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";

export type { NatsConnection } from "@nats-io/transport-node";

/** How to reach and authenticate to a NATS server; every field goes to the client as is. */
export interface NatsOptions {
  /** Server URL, e.g. `nats://host:4222` (several: comma separated). */
  readonly url: string;
  /** User name (with `password`). */
  readonly user?: string;
  /** Password (with `user`). */
  readonly password?: string;
  /** Authentication token. */
  readonly token?: string;
  /** A `.creds` file (user JWT and nkey seed) to authenticate with. */
  readonly credsFile?: string;
  /** TLS: a CA file to trust, and a client certificate and key for mutual TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** Connection name shown by the server's monitoring. @default {"ppo-flow"} */
  readonly name?: string;
  /** Milliseconds to wait for the first connection. @default {5000} */
  readonly timeoutMs?: number;
  /**
   * Reconnect attempts after a lost connection, 2 s apart (-1: forever); a restarted server is reconnected to.
   * @default {60}
   */
  readonly maxReconnectAttempts?: number;
}

/**
 * Connects to a NATS server.
 *
 * @param options The URL, credentials and TLS files.
 * @returns The connection; `drain()` or `close()` it when done.
 * @throws {Error} When no server answers at the URL, naming the URL.
 *
 * @example
 * ```ts ignore
 * const nc = await connectNats({ url: "nats://127.0.0.1:4222" });
 * await nc.drain();
 * ```
 */
export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  const servers = options.url.split(",").map((url) => url.trim());
  if (servers.some((url) => !/^(nats|tls):\/\/[^/\s]+$/.test(url))) {
    throw new TypeError(
      `Cannot connect to NATS as the URL must look like nats://host:4222: current value is ${options.url}`,
    );
  }
  if ((options.user === undefined) !== (options.password === undefined)) {
    throw new TypeError(
      `Cannot connect to NATS as user and password go together: current value is ${
        options.user === undefined ? "a password without a user" : `user ${options.user} without a password`
      }`,
    );
  }
  const creds = options.credsFile === undefined ? undefined : await Deno.readFile(options.credsFile);
  try {
    return await connect({
      servers,
      name: options.name ?? "ppo-flow",
      timeout: options.timeoutMs ?? 5000,
      maxReconnectAttempts: options.maxReconnectAttempts ?? 60,
      reconnectTimeWait: 2000,
      ...(options.user === undefined ? {} : { user: options.user, pass: options.password! }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(creds === undefined ? {} : { authenticator: credsAuthenticator(creds) }),
      ...(options.tls === undefined ? {} : { tls: { ...options.tls } }),
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to the NATS server at ${options.url}: ${why}`, { cause: error });
  }
}
