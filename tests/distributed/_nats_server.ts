/**
 * A real `nats-server -js` for tests: on a free 127.0.0.1 port with a temporary store directory, stopped (and
 * its directory removed) afterwards. Outside CI a missing binary skips the tests that need it, saying why; CI
 * installs it (`.ci/run`), so there it must run.
 *
 * @module
 */

/** A running server. */
export interface NatsServer {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and waits for it; the store directory stays for `restart()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same store (after `stop()`). */
  restart(): Promise<void>;
  /** Stops it and removes its store directory. */
  close(): Promise<void>;
}

/** Why the NATS tests cannot run here (no `nats-server`, outside CI), or null when they can. */
export function natsServerMissing(): string | null {
  if (Deno.env.get("CI") === "true") return null;
  try {
    const { success } = new Deno.Command("nats-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync();
    return success ? null : "nats-server --version failed";
  } catch {
    return "nats-server is not installed (apt-get install nats-server)";
  }
}

/**
 * Starts `nats-server -js` on a free port with a temporary store directory and waits until it accepts clients.
 *
 * @param extraArgs More server flags (authentication, TLS).
 */
export async function startNatsServer(extraArgs: readonly string[] = []): Promise<NatsServer> {
  const dir = await Deno.makeTempDir({ prefix: "ppo-flow-nats-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  let child: Deno.ChildProcess | null = null;
  const start = async () => {
    child = new Deno.Command("nats-server", {
      args: [
        "-js",
        "-sd",
        `${dir}/store`,
        "-a",
        "127.0.0.1",
        "-p",
        String(port),
        "-l",
        `${dir}/server.log`,
        ...extraArgs,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        // JetStream is ready a moment after the port opens.
        const log = await Deno.readTextFile(`${dir}/server.log`).catch(() => "");
        if (log.includes("Server is ready")) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(
          `nats-server did not start on port ${port}: ${await Deno.readTextFile(`${dir}/server.log`)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    if (child === null) return;
    const running = child;
    child = null;
    running.kill("SIGTERM");
    await running.status;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      await Deno.remove(`${dir}/server.log`).catch(() => {});
      await start();
    },
    async close() {
      await stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
