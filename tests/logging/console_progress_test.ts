import assert from "node:assert/strict";
import {
  ConsoleProgress,
  type ConsoleProgressOptions,
  type ProgressMetrics,
} from "../../src/logging/console_progress.ts";

const decoder = new TextDecoder();

function harness(options: Omit<ConsoleProgressOptions, "writer" | "clock"> = {}, total = 10_000) {
  const chunks: string[] = [];
  let now = 1000;
  const writer = { write: (bytes: Uint8Array) => (chunks.push(decoder.decode(bytes)), bytes.length) };
  const progress = new ConsoleProgress(total, { writer, clock: () => now, ...options });
  return {
    progress,
    chunks,
    output: () => chunks.join(""),
    advance: (ms: number) => (now += ms),
  };
}

const losses = {
  "losses/policy_loss": -0.012345,
  "losses/value_loss": 12.3456,
  "losses/entropy": 0.6912,
  "losses/approx_kl": 0.0000412,
};

Deno.test("ConsoleProgress on a terminal redraws one line with bar, SPS, return, losses and ETA", async () => {
  const { progress, chunks, advance } = harness({ isTerminal: true, columns: 200 });
  progress.update({ global_step: 1000, iteration: 1, "charts/SPS": 500, ...losses });
  advance(2000);
  progress.update({
    global_step: 2500,
    iteration: 2,
    "charts/SPS": 600,
    "charts/episodic_return": 187.34,
    ...losses,
  });
  await progress.close();
  assert.deepEqual(chunks, [
    "\r\x1b[2K 10% [##------------------] 1,000/10,000 | 500 SPS | return -- | " +
    "pg -0.01235 v 12.35 ent 0.6912 kl 4.12e-5 | ETA 18s",
    "\r\x1b[2K 25% [#####---------------] 2,500/10,000 | 600 SPS | return 187.3 | " +
    "pg -0.01235 v 12.35 ent 0.6912 kl 4.12e-5 | ETA 10s",
    "\n",
  ]);
});

Deno.test("ConsoleProgress on a terminal redraws at most refreshPerSecond times a second", async () => {
  const { progress, chunks, advance } = harness({ isTerminal: true, refreshPerSecond: 4 }, 1_000_000);
  for (let i = 1; i <= 100; i++) {
    progress.update({ global_step: i * 100 });
    advance(50); // 20 updates a second
  }
  await progress.flush();
  assert.equal(chunks.length, 20, "5 seconds at 4 redraws a second");
  await progress.close();
  assert.equal(chunks.length, 22, "close() draws the held-back last update and ends the line");
  assert.match(chunks[20]!, /10,000\/1,000,000/);
  assert.equal(chunks[21], "\n");
});

Deno.test("ConsoleProgress always draws the final update, even when throttled", async () => {
  const { progress, chunks } = harness({ isTerminal: true });
  progress.update({ global_step: 5000 });
  progress.update({ global_step: 10_000 });
  await progress.flush();
  assert.equal(chunks.length, 2);
  assert.match(chunks[1]!, /100% \[#{20}\] 10,000\/10,000 \| return -- \| done$/);
  await progress.close();
  assert.equal(chunks.length, 3);
});

Deno.test("ConsoleProgress cuts the terminal line so it never wraps", async () => {
  const { progress, chunks } = harness({ isTerminal: true, columns: 30 });
  progress.update({ global_step: 1, ...losses });
  await progress.close();
  assert.equal(chunks[0], "\r\x1b[2K  0% [--------------------] 1");
  assert.equal(chunks[0]!.length - "\r\x1b[2K".length, 29);
});

Deno.test("ConsoleProgress off a terminal prints plain lines at most every plainIntervalSeconds", async () => {
  const { progress, output, advance } = harness({ isTerminal: false, plainIntervalSeconds: 10 });
  for (let i = 1; i <= 10; i++) {
    progress.update({
      global_step: i * 1000,
      iteration: i,
      "charts/SPS": 250,
      ...(i === 3 ? { "charts/episodic_return": 42.5 } : {}),
      ...losses,
    });
    advance(4000);
  }
  await progress.close();
  assert.equal(
    output(),
    [
      "iteration 1 | step 1,000/10,000 (10.0%) | SPS 250 | return -- | policy_loss -0.01235 | " +
      "value_loss 12.35 | entropy 0.6912 | approx_kl 4.12e-5 | ETA 36s",
      "iteration 4 | step 4,000/10,000 (40.0%) | SPS 250 | return 42.5 | policy_loss -0.01235 | " +
      "value_loss 12.35 | entropy 0.6912 | approx_kl 4.12e-5 | ETA 24s",
      "iteration 7 | step 7,000/10,000 (70.0%) | SPS 250 | return 42.5 | policy_loss -0.01235 | " +
      "value_loss 12.35 | entropy 0.6912 | approx_kl 4.12e-5 | ETA 12s",
      "iteration 10 | step 10,000/10,000 (100.0%) | SPS 250 | return 42.5 | policy_loss -0.01235 | " +
      "value_loss 12.35 | entropy 0.6912 | approx_kl 4.12e-5 | done",
      "",
    ].join("\n"),
  );
});

Deno.test("ConsoleProgress with plainIntervalSeconds 0 prints every iteration, and close() adds nothing", async () => {
  const { progress, chunks } = harness({ isTerminal: false, plainIntervalSeconds: 0 });
  progress.update({ global_step: 1 });
  progress.update({ global_step: 2 });
  progress.update({ global_step: 3 });
  await progress.close();
  assert.deepEqual(chunks.map((line) => line.split(" | ")[0]), [
    "step 1/10,000 (0.0%)",
    "step 2/10,000 (0.0%)",
    "step 3/10,000 (0.0%)",
  ]);
});

Deno.test("ConsoleProgress measures the ETA from its own clock, so a resumed run estimates right", async () => {
  const { progress, chunks, advance } = harness({ isTerminal: false, plainIntervalSeconds: 0 }, 1_000_000);
  progress.update({ global_step: 500_000, "charts/SPS": 1 }); // resumed: no rate measured yet, SPS is the fallback
  advance(10_000);
  progress.update({ global_step: 520_000, "charts/SPS": 1 }); // measured 2,000 steps a second
  advance(1000);
  progress.update({ global_step: 520_000 });
  await progress.close();
  assert.match(chunks[0]!, /ETA 138h 53m\n$/);
  assert.match(chunks[1]!, /ETA 4m 00s\n$/);
  assert.match(chunks[2]!, /ETA 4m 24s\n$/);
});

Deno.test("ConsoleProgress shows ETA -- when no rate is known yet", async () => {
  const { progress, chunks } = harness({ isTerminal: false });
  progress.update({ global_step: 10 });
  await progress.close();
  assert.match(chunks[0]!, /\| ETA --\n$/);
});

Deno.test("ConsoleProgress writes through a slow async sink completely and in order", async () => {
  const received: number[] = [];
  const writer = {
    async write(bytes: Uint8Array): Promise<number> {
      await Promise.resolve();
      const n = Math.min(bytes.length, 7);
      received.push(...bytes.subarray(0, n));
      return n;
    },
  };
  const progress = new ConsoleProgress(100, {
    writer,
    isTerminal: false,
    plainIntervalSeconds: 0,
    clock: () => 0,
  });
  for (let step = 10; step <= 100; step += 10) progress.update({ global_step: step });
  await progress.close();
  const lines = decoder.decode(Uint8Array.from(received)).trimEnd().split("\n");
  assert.deepEqual(
    lines.map((line) => line.split(" | ")[0]),
    Array.from({ length: 10 }, (_, i) => {
      const step = (i + 1) * 10;
      return `step ${step}/100 (${step.toFixed(1)}%)`;
    }),
  );
});

Deno.test("ConsoleProgress reports a write error from flush() and close()", async () => {
  const writer = {
    write(): number {
      throw new Error("Broken pipe (os error 32)");
    },
  };
  const progress = new ConsoleProgress(100, { writer, isTerminal: true, clock: () => 0 });
  progress.update({ global_step: 1 });
  await assert.rejects(progress.flush(), /Broken pipe/);
  await assert.rejects(progress.close(), /Broken pipe/);
});

Deno.test("ConsoleProgress validates its options and input", () => {
  const writer = { write: (bytes: Uint8Array) => bytes.length };
  assert.throws(
    () => new ConsoleProgress(0, { writer }),
    /totalTimesteps must be a positive integer: current value is 0/,
  );
  assert.throws(
    () => new ConsoleProgress(10, { writer, refreshPerSecond: 0 }),
    /refreshPerSecond must be positive/,
  );
  assert.throws(() => new ConsoleProgress(10, { writer, plainIntervalSeconds: -1 }), /current value is -1/);
  assert.throws(() => new ConsoleProgress(10, { writer, barWidth: 0 }), RangeError);
  const progress = new ConsoleProgress(10, { writer, isTerminal: false });
  assert.throws(
    () => progress.update({ iteration: 1 } as unknown as ProgressMetrics),
    /global_step must be a finite number: current value is undefined/,
  );
});

Deno.test("ConsoleProgress takes any metrics object with global_step and ignores non-numeric entries", async () => {
  interface IterationRecord {
    readonly global_step: number;
    readonly iteration: number;
    readonly "charts/episodic_return"?: number;
    readonly note: string;
  }
  const record: IterationRecord = { global_step: 5, iteration: 1, note: "ignored" };
  const { progress, chunks } = harness({ isTerminal: false });
  progress.update(record);
  await progress.close();
  assert.match(chunks[0]!, /^iteration 1 \| step 5\/10,000 \(0\.1%\) \| return -- \| ETA --\n$/);
});
