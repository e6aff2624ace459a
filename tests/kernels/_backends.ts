/**
 * Which backends the kernel tests run on, decided by probing them (not assumed): a backend that cannot work here
 * is registered as an ignored test whose name says why, so it shows up in the report instead of passing silently.
 *
 * @module
 */
import { type BackendName, BACKENDS, probeBackend } from "../../src/kernels/backend.ts";

/** A backend to test on, with why it is skipped when it is. */
export interface BackendCase {
  readonly backend: BackendName;
  readonly ignore: boolean;
  /** Appended to test names: the adapter for webgpu, the skip reason when skipped. */
  readonly note: string;
}

/** Every backend, probed once per test module. */
export const BACKEND_CASES: readonly BackendCase[] = await Promise.all(
  [...BACKENDS].reverse().map(async (backend) => {
    const probe = await probeBackend(backend);
    if (!probe.works) return { backend, ignore: true, note: ` [skipped: ${probe.reason}]` };
    const note = probe.adapter === undefined
      ? ""
      : ` (${probe.software ? "software adapter: " : ""}${probe.adapter})`;
    return { backend, ignore: false, note };
  }),
);

/**
 * Asserts `actual` is within float32 tolerance of `expected`: `|a - e| <= atol + rtol * |e|` everywhere, naming
 * the first index that is not.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tolerance: { readonly atol?: number; readonly rtol?: number } = {},
): void {
  const { atol = 1e-5, rtol = 1e-4 } = tolerance;
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} instead of ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}: index ${i} is ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Uniform floats in [lo, hi) from a small seeded generator (tests need data, not a stream contract). */
export function randomArray(length: number, seed: number, lo = -1, hi = 1): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = lo + (hi - lo) * ((state >>> 0) / 4294967296);
  }
  return out;
}
