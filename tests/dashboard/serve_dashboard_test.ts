import assert from "node:assert/strict";
import { Subject } from "rxjs";
import { serveDashboard } from "../../src/dashboard/serve_dashboard.ts";
import type { IterationMetrics, StepBatch } from "../../src/operators/types.ts";
import type { VecEnvState } from "../../src/envs/vec_env.ts";

function fakeRun() {
  const iterations = new Subject<IterationMetrics>();
  const steps = new Subject<StepBatch>();
  let theta = 0;
  const state = (): VecEnvState => ({
    id: "CartPole-v1",
    envs: [{ state: [0, 0, theta, 0], rng: { words: [1, 2, 3, 4], spareNormal: null }, elapsedSteps: 0 }],
    returns: [0],
    lengths: [0],
  });
  const metrics = (iteration: number) =>
    ({ global_step: iteration * 512, iteration, "charts/SPS": 1000 }) as unknown as IterationMetrics;
  const step = (globalStep: number) => {
    theta += 0.01;
    steps.next(
      { actions: new Float32Array([1]), actionDim: 1, numEnvs: 1, globalStep } as unknown as StepBatch,
    );
  };
  return {
    run: {
      config: { envId: "CartPole-v1", clipActions: true },
      runDir: null,
      engine: "reference",
      iterations$: iterations.asObservable(),
      steps$: steps.asObservable(),
      envStates: state,
    },
    iterations,
    metrics,
    step,
  };
}

/** Reads server-sent events until `until` says stop; returns the events read. */
async function readEvents(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (events: { event: string; data: string }[]) => boolean,
) {
  const decoder = new TextDecoder();
  const events: { event: string; data: string }[] = [];
  let buffer = "";
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data });
    }
  }
  return events;
}

Deno.test("serveDashboard() listens on 127.0.0.1 and serves a self-contained page", async () => {
  const { run } = fakeRun();
  const dashboard = serveDashboard(run, { port: 0 });
  try {
    assert.equal(dashboard.hostname, "127.0.0.1");
    assert.equal(dashboard.url, `http://127.0.0.1:${dashboard.port}/`);
    const page = await (await fetch(dashboard.url)).text();
    assert.match(page, /<canvas data-keys="charts\/episodic_return">/);
    assert.doesNotMatch(page, /<script src=|<link [^>]*href="http/, "no external scripts or styles");
    const missing = await fetch(`${dashboard.url}nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await dashboard.close();
  }
});

Deno.test("serveDashboard() gives every tab the history, then live metrics and frames; a closed tab leaves the others be", async () => {
  const { run, iterations, metrics, step } = fakeRun();
  const dashboard = serveDashboard(run, { port: 0, frameInterval: 0 });
  try {
    iterations.next(metrics(1));
    const first = (await fetch(`${dashboard.url}events`)).body!.getReader();
    const hello = await readEvents(first, (e) => e.some((x) => x.event === "metrics"));
    assert.equal(hello[0]!.event, "hello");
    assert.deepEqual(JSON.parse(hello[0]!.data).envId, "CartPole-v1");
    assert.equal(JSON.parse(hello[1]!.data).iteration, 1);

    const second = (await fetch(`${dashboard.url}events`)).body!.getReader();
    await readEvents(second, (e) => e.some((x) => x.event === "metrics"));
    await first.cancel(); // the first tab closes
    iterations.next(metrics(2));
    step(1024);
    const live = await readEvents(second, (e) => e.some((x) => x.event === "frame"));
    assert.deepEqual(live.map((e) => e.event), ["metrics", "frame"]);
    assert.equal(JSON.parse(live[0]!.data).iteration, 2);
    assert.match(JSON.parse(live[1]!.data), /^<svg[^]*step 1025/);
    iterations.complete();
    const done = await readEvents(second, (e) => e.length > 0);
    assert.deepEqual(done, [{ event: "done", data: '{"error":null}' }]);
    await second.cancel();
  } finally {
    await dashboard.close();
  }
});

Deno.test("serveDashboard() draws no frame while no page is open", async () => {
  const { run, step } = fakeRun();
  let snapshots = 0;
  const counted = {
    ...run,
    envStates: () => {
      snapshots++;
      return run.envStates();
    },
  };
  const dashboard = serveDashboard(counted, { port: 0, frameInterval: 0 });
  try {
    const before = snapshots;
    for (let t = 0; t < 100; t++) step(t);
    assert.equal(snapshots, before);
  } finally {
    await dashboard.close();
  }
});

Deno.test("serveDashboard() refuses a taken port with a clear error", () => {
  const { run } = fakeRun();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    assert.throws(() => serveDashboard(run, { port }), {
      name: "AddrInUse",
      message: `Cannot start dashboard as port ${port} is in use: current value is ${port}`,
    });
    assert.throws(() => serveDashboard(run, { port: 70000 }), RangeError);
  } finally {
    listener.close();
  }
});

/**
 * Sends one request with a chosen `Host` header over a raw connection (`fetch` always sends the URL's host) and
 * returns the status and body; a streamed body (the event stream) is left unread.
 */
async function requestWithHost(
  port: number,
  host: string,
  path = "/",
  method = "GET",
): Promise<{ status: number; body: string }> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
    await connection.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(64 * 1024);
    let received = new Uint8Array(0);
    while (true) {
      // One character per byte, so indices into the text are byte offsets.
      const text = new TextDecoder("latin1").decode(received);
      const head = text.indexOf("\r\n\r\n");
      if (head >= 0) {
        const length = Number(/^content-length: *(\d+)/im.exec(text.slice(0, head))?.[1] ?? 0);
        if (received.length - head - 4 >= length) {
          return {
            status: Number(text.slice(9, 12)),
            body: new TextDecoder().decode(received.subarray(head + 4, head + 4 + length)),
          };
        }
      }
      const read = await connection.read(buffer);
      if (read === null) throw new Error(`connection closed after ${JSON.stringify(text)}`);
      const more = new Uint8Array(received.length + read);
      more.set(received);
      more.set(buffer.subarray(0, read), received.length);
      received = more;
    }
  } finally {
    connection.close();
  }
}

Deno.test("serveDashboard() refuses requests whose Host header names another server (DNS rebinding)", async () => {
  const { run } = fakeRun();
  const dashboard = serveDashboard(run, { port: 0 });
  const { port } = dashboard;
  try {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const page = await requestWithHost(port, host);
      assert.equal(page.status, 200, host);
      assert.match(page.body, /<canvas data-keys/, host);
    }
    const forged = [
      `evil.example:${port}`,
      "evil.example",
      `127.0.0.1:${port + 1}`,
      `127.0.0.1.evil.example:${port}`,
    ];
    for (const host of forged) {
      for (const path of ["/", "/events", "/nope"]) {
        const refused = await requestWithHost(port, host, path);
        assert.equal(refused.status, 403, `${host} ${path}`);
        assert.equal(
          refused.body,
          `Cannot serve dashboard as the Host header must name this server (127.0.0.1:${port}): current value is ${
            JSON.stringify(host)
          }`,
        );
      }
    }
    assert.equal((await requestWithHost(port, "evil.example", "/", "POST")).status, 403);
  } finally {
    await dashboard.close();
  }
});
