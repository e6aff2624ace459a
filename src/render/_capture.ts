import type { BufferedEnv } from "../envs/buffered_env.ts";
import { TimeLimit } from "../envs/time_limit.ts";
import type { Renderer } from "./types.ts";

/** What `renderer` draws of `env` now: its `capture`, or else the physical state. */
export function captureState(renderer: Renderer<unknown>, env: BufferedEnv): unknown {
  if (renderer.capture !== undefined) {
    let inner = env;
    while (inner instanceof TimeLimit) inner = inner.env;
    return renderer.capture(inner);
  }
  const snapshot = env.getState();
  if (snapshot === null) {
    throw new TypeError(`Cannot render ${env.spec.id} as it cannot report its state: current value is null`);
  }
  return snapshot.state;
}
