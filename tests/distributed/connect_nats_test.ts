// The credentials and TLS options reach a real server: user/password, a token, and TLS with a CA file, each
// against a nats-server that requires it, with the right values and with wrong ones.
import assert from "node:assert/strict";
import { connectNats, type NatsOptions } from "../../src/distributed/connect_nats.ts";
import { natsOptionsFromFlags } from "../../src/distributed/nats_flags.ts";
import { natsServerMissing, startNatsServer } from "./_nats_server.ts";

const missing = natsServerMissing();
if (missing !== null) console.warn(`NATS credential tests skipped: ${missing}`);
const skipped = missing === null ? "" : ` (skipped: ${missing})`;

/** Connects with `options` and closes; the promise rejects with connectNats's error. */
async function connectAndClose(options: NatsOptions): Promise<void> {
  const nc = await connectNats({ ...options, timeoutMs: 3000, maxReconnectAttempts: 0 });
  await nc.flush();
  await nc.close();
}

/**
 * Asserts that `attempt` is refused with an error matching `pattern`. A server that refuses a client hangs up,
 * and the NATS client's socket may then report ECONNRESET after the client has stopped listening to it (seen
 * in about 1 of 6 runs, a fraction of a second after the refusal): that one error is expected here and kept
 * from failing the module, for 300 ms after the refusal; any other uncaught error still fails it.
 */
async function assertRefused(attempt: () => Promise<void>, pattern: RegExp | ((error: Error) => boolean)) {
  const onError = (event: ErrorEvent) => {
    if ((event.error as { code?: string } | null)?.code === "ECONNRESET") event.preventDefault();
  };
  globalThis.addEventListener("error", onError);
  try {
    await assert.rejects(attempt, pattern);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    globalThis.removeEventListener("error", onError);
  }
}

Deno.test({
  name: `connectNats passes a user and password, and a token, to a server that requires them${skipped}`,
  ignore: missing !== null,
  async fn() {
    const withUser = await startNatsServer(["--user", "trainer", "--pass", "s3cret"]);
    try {
      // As the CLI gives them.
      const options = natsOptionsFromFlags({
        nats: withUser.url,
        "nats-user": "trainer",
        "nats-password": "s3cret",
      });
      assert.ok(options !== null);
      await connectAndClose(options);
      await assertRefused(
        () => connectAndClose({ url: withUser.url, user: "trainer", password: "wrong" }),
        (error: Error) =>
          error.message.startsWith(`Cannot connect to the NATS server at ${withUser.url}: `) &&
          /auth/i.test(error.message),
      );
      await assertRefused(
        () => connectAndClose({ url: withUser.url }),
        /Cannot connect to the NATS server at/,
      );
    } finally {
      await withUser.close();
    }
    const withToken = await startNatsServer(["--auth", "t0ken-123"]);
    try {
      const options = natsOptionsFromFlags({ nats: withToken.url, "nats-token": "t0ken-123" });
      assert.ok(options !== null);
      await connectAndClose(options);
      await assertRefused(
        () => connectAndClose({ url: withToken.url, token: "other" }),
        /Cannot connect to the NATS server at/,
      );
    } finally {
      await withToken.close();
    }
  },
});

Deno.test({
  name: `connectNats trusts a TLS server through the CA file it is given, and only then${skipped}`,
  ignore: missing !== null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ppo-flow-tls-" });
    const server = await (async () => {
      // A self-signed certificate for 127.0.0.1, which is also the CA the client trusts.
      const { success, stderr } = await new Deno.Command("openssl", {
        args: [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-addext",
          // Deno's node:tls checks an IP address under the name localhost: the certificate names both.
          "subjectAltName=IP:127.0.0.1,DNS:localhost",
          "-keyout",
          `${dir}/key.pem`,
          "-out",
          `${dir}/cert.pem`,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.ok(success, new TextDecoder().decode(stderr));
      return await startNatsServer(["--tls", "--tlscert", `${dir}/cert.pem`, "--tlskey", `${dir}/key.pem`]);
    })();
    try {
      const options = natsOptionsFromFlags({ nats: server.url, "nats-ca": `${dir}/cert.pem` });
      assert.deepEqual(options?.tls, { caFile: `${dir}/cert.pem` });
      await connectAndClose(options!);
      // Without the CA the server's certificate is not trusted.
      await assertRefused(
        () => connectAndClose({ url: server.url, tls: {} }),
        /Cannot connect to the NATS server at nats:\/\/127\.0\.0\.1:\d+: .*(self[- ]signed|certificate)/i,
      );
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
