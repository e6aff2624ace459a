import { formatCount, formatDuration, formatValue } from "./_format.ts";
import { writeAll } from "./_write_all.ts";

/** Where progress goes: anything with `write(bytes)` that returns how many bytes it took, like `Deno.stderr`. */
export interface ProgressSink {
  /** Writes some of `bytes`, returning (or resolving to) how many. */
  write(bytes: Uint8Array): Promise<number> | number;
}

/** Options of {@linkcode ConsoleProgress}. */
export interface ConsoleProgressOptions {
  /** Where to write. @default {Deno.stderr} */
  readonly writer?: ProgressSink;
  /**
   * Redraw one line in place (a terminal) instead of printing plain lines (a log file, CI).
   * @default {Deno.stderr.isTerminal() when writing to stderr, false for any other writer}
   */
  readonly isTerminal?: boolean;
  /** Monotonic clock in milliseconds, for throttling and the ETA. @default {performance.now} */
  readonly clock?: () => number;
  /** On a terminal, the most redraws per second. @default {4} */
  readonly refreshPerSecond?: number;
  /** Off a terminal, the fewest seconds between two lines (0: one line per iteration). @default {5} */
  readonly plainIntervalSeconds?: number;
  /** On a terminal, the line is cut to `columns - 1` characters so it never wraps. @default {the console width, or 100} */
  readonly columns?: number;
  /** Width of the bar in characters. @default {20} */
  readonly barWidth?: number;
}

/**
 * Per-iteration metrics with CleanRL's keys. Only `global_step` is required; numeric `iteration`,
 * `charts/SPS`, `charts/episodic_return`, `losses/policy_loss`, `losses/value_loss`, `losses/entropy` and
 * `losses/approx_kl` are shown when present, other keys are ignored.
 */
export interface ProgressMetrics {
  /** Environment steps taken so far, over all envs. */
  readonly global_step: number;
}

const encoder = new TextEncoder();
const CLEAR_LINE = "\r\x1b[2K";
const LOSSES: readonly (readonly [key: string, terminalLabel: string, plainLabel: string])[] = [
  ["losses/policy_loss", "pg", "policy_loss"],
  ["losses/value_loss", "v", "value_loss"],
  ["losses/entropy", "ent", "entropy"],
  ["losses/approx_kl", "kl", "approx_kl"],
];

/**
 * Shows training progress on the console: global step out of the total, SPS, mean episodic return, key
 * losses and the ETA.
 *
 * On a terminal it redraws a single line with a bar (`\r` and clear-line), at most `refreshPerSecond` times
 * a second; elsewhere it prints plain lines, at most one every `plainIntervalSeconds`. The first and the
 * final update (global step reaching the total) are always shown, and {@linkcode ConsoleProgress.close}
 * shows the last one if throttling held it back. The ETA comes from the step rate measured since the first
 * update (so a resumed run estimates correctly), falling back to `charts/SPS` before that. The mean return
 * shown is the latest `charts/episodic_return` seen, since iterations without a finished episode lack it.
 *
 * @example
 * ```ts
 * import { ConsoleProgress } from "./console_progress.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const writer = { write: (bytes: Uint8Array) => (lines.push(new TextDecoder().decode(bytes)), bytes.length) };
 * let now = 0;
 * const progress = new ConsoleProgress(4096, { writer, isTerminal: false, clock: () => now });
 * progress.update({ global_step: 2048, iteration: 1, "charts/SPS": 1024, "losses/value_loss": 3.5 });
 * now = 2000;
 * progress.update({ global_step: 4096, iteration: 2, "charts/SPS": 1024, "charts/episodic_return": 21 });
 * await progress.close();
 * assert.equal(lines.length, 2);
 * assert.match(lines[1]!, /^iteration 2 \| step 4,096\/4,096 \(100\.0%\) \| SPS 1,024 \| return 21 \|/);
 * ```
 */
export class ConsoleProgress {
  readonly #total: number;
  readonly #writer: ProgressSink;
  readonly #isTerminal: boolean;
  readonly #clock: () => number;
  readonly #minRedrawMs: number;
  readonly #minPlainMs: number;
  readonly #columns: number;
  readonly #barWidth: number;
  #first: { time: number; step: number } | undefined;
  #latest: Readonly<Record<string, number>> | undefined;
  #latestShown = true;
  #lastShownAt = -Infinity;
  #episodicReturn: number | undefined;
  #writing: Promise<void> = Promise.resolve();
  #error: unknown;
  #closed = false;

  /**
   * Creates a progress display; nothing is written until the first update.
   *
   * @param totalTimesteps The run's `totalTimesteps`, a positive integer.
   * @param options Writer, terminal mode, clock and throttling.
   */
  constructor(totalTimesteps: number, options: ConsoleProgressOptions = {}) {
    if (!Number.isInteger(totalTimesteps) || totalTimesteps < 1) {
      throw new RangeError(
        `Cannot create progress as totalTimesteps must be a positive integer: current value is ${totalTimesteps}`,
      );
    }
    const refreshPerSecond = options.refreshPerSecond ?? 4;
    if (!(refreshPerSecond > 0)) {
      throw new RangeError(
        `Cannot create progress as refreshPerSecond must be positive: current value is ${refreshPerSecond}`,
      );
    }
    const plainIntervalSeconds = options.plainIntervalSeconds ?? 5;
    if (!(plainIntervalSeconds >= 0)) {
      throw new RangeError(
        `Cannot create progress as plainIntervalSeconds must be at least 0: current value is ${plainIntervalSeconds}`,
      );
    }
    const barWidth = options.barWidth ?? 20;
    if (!Number.isInteger(barWidth) || barWidth < 1) {
      throw new RangeError(
        `Cannot create progress as barWidth must be a positive integer: current value is ${barWidth}`,
      );
    }
    this.#total = totalTimesteps;
    this.#writer = options.writer ?? Deno.stderr;
    this.#isTerminal = options.isTerminal ?? (options.writer === undefined && Deno.stderr.isTerminal());
    this.#clock = options.clock ?? (() => performance.now());
    this.#minRedrawMs = 1000 / refreshPerSecond;
    this.#minPlainMs = plainIntervalSeconds * 1000;
    this.#columns = options.columns ?? consoleColumns(this.#isTerminal && options.writer === undefined);
    this.#barWidth = barWidth;
  }

  /**
   * Records one iteration's metrics and shows them unless throttled. Writing happens in the background; a
   * write error is reported by {@linkcode ConsoleProgress.flush} and {@linkcode ConsoleProgress.close}.
   *
   * @param metrics The iteration's metrics; `global_step` must be a finite number.
   */
  update(metrics: ProgressMetrics | Readonly<Record<string, number>>): void {
    const step: unknown = metrics["global_step"];
    if (typeof step !== "number" || !Number.isFinite(step)) {
      throw new TypeError(
        `Cannot show progress as global_step must be a finite number: current value is ${String(step)}`,
      );
    }
    if (this.#closed) {
      throw new Error(
        `Cannot show progress as the progress display is closed: current value is step ${step}`,
      );
    }
    const now = this.#clock();
    this.#first ??= { time: now, step };
    const numbers = numericEntries(metrics);
    const episodicReturn = numbers["charts/episodic_return"];
    if (episodicReturn !== undefined) this.#episodicReturn = episodicReturn;
    this.#latest = numbers;
    this.#latestShown = false;
    const minGap = this.#isTerminal ? this.#minRedrawMs : this.#minPlainMs;
    if (now - this.#lastShownAt >= minGap || step >= this.#total) this.#show(now);
  }

  /**
   * Waits until everything shown so far is written.
   *
   * @returns A promise that rejects with the first write error, if any.
   */
  async flush(): Promise<void> {
    await this.#writing;
    if (this.#error !== undefined) throw this.#error;
  }

  /**
   * Shows the latest metrics if throttling held them back, ends the terminal line, and waits for the
   * writes. Further calls only wait.
   *
   * @returns A promise that rejects with the first write error, if any.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (!this.#latestShown) this.#show(this.#clock());
      if (this.#isTerminal && this.#latest !== undefined) this.#enqueue("\n");
    }
    return this.flush();
  }

  #show(now: number): void {
    const metrics = this.#latest;
    if (metrics === undefined) return;
    this.#lastShownAt = now;
    this.#latestShown = true;
    const line = this.#isTerminal ? this.#terminalLine(metrics, now) : this.#plainLine(metrics, now);
    this.#enqueue(
      this.#isTerminal ? `${CLEAR_LINE}${line.slice(0, Math.max(this.#columns - 1, 1))}` : `${line}\n`,
    );
  }

  #terminalLine(metrics: Readonly<Record<string, number>>, now: number): string {
    const step = metrics["global_step"]!;
    const fraction = Math.min(Math.max(step / this.#total, 0), 1);
    const filled = Math.round(fraction * this.#barWidth);
    const parts = [
      `${(fraction * 100).toFixed(0).padStart(3)}% [${"#".repeat(filled)}${
        "-".repeat(this.#barWidth - filled)
      }] ${formatCount(step)}/${formatCount(this.#total)}`,
    ];
    const sps = metrics["charts/SPS"];
    if (sps !== undefined) parts.push(`${formatCount(sps)} SPS`);
    parts.push(`return ${this.#episodicReturn === undefined ? "--" : formatValue(this.#episodicReturn)}`);
    const losses = LOSSES.filter(([key]) => metrics[key] !== undefined)
      .map(([key, label]) => `${label} ${formatValue(metrics[key]!)}`);
    if (losses.length > 0) parts.push(losses.join(" "));
    parts.push(this.#eta(step, metrics, now));
    return parts.join(" | ");
  }

  #plainLine(metrics: Readonly<Record<string, number>>, now: number): string {
    const step = metrics["global_step"]!;
    const parts: string[] = [];
    const iteration = metrics["iteration"];
    if (iteration !== undefined) parts.push(`iteration ${formatCount(iteration)}`);
    parts.push(
      `step ${formatCount(step)}/${formatCount(this.#total)} (${(step / this.#total * 100).toFixed(1)}%)`,
    );
    const sps = metrics["charts/SPS"];
    if (sps !== undefined) parts.push(`SPS ${formatCount(sps)}`);
    parts.push(`return ${this.#episodicReturn === undefined ? "--" : formatValue(this.#episodicReturn)}`);
    for (const [key, , label] of LOSSES) {
      const value = metrics[key];
      if (value !== undefined) parts.push(`${label} ${formatValue(value)}`);
    }
    parts.push(this.#eta(step, metrics, now));
    return parts.join(" | ");
  }

  #eta(step: number, metrics: Readonly<Record<string, number>>, now: number): string {
    const remaining = this.#total - step;
    if (remaining <= 0) return "done";
    const first = this.#first!;
    const elapsedSeconds = (now - first.time) / 1000;
    const measured = elapsedSeconds > 0 ? (step - first.step) / elapsedSeconds : 0;
    const sps = metrics["charts/SPS"];
    const rate = measured > 0 ? measured : sps !== undefined && sps > 0 ? sps : 0;
    return `ETA ${rate > 0 ? formatDuration(remaining / rate) : "--"}`;
  }

  #enqueue(text: string): void {
    const bytes = encoder.encode(text);
    this.#writing = this.#writing
      .then(() => this.#error === undefined ? writeAll(this.#writer, bytes) : undefined)
      .catch((error: unknown) => {
        this.#error ??= error;
      });
  }
}

function numericEntries(metrics: object): Record<string, number> {
  const numbers: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) if (typeof value === "number") numbers[key] = value;
  return numbers;
}

function consoleColumns(ask: boolean): number {
  if (!ask) return 100;
  try {
    // A pseudo-terminal without a size reports 0 columns.
    const columns = Deno.consoleSize().columns;
    return columns > 0 ? columns : 100;
  } catch {
    return 100;
  }
}
