import { renderers } from "./_registry.ts";
import type { Renderer } from "./types.ts";

/**
 * Looks up the renderer of an environment.
 *
 * @param envId A registered environment id (`"CartPole-v1"`...).
 * @returns Its renderer.
 * @throws {RangeError} When no renderer is registered for `envId` (the message lists those that are).
 *
 * @example
 * ```ts
 * import { rendererFor } from "./renderer_for.ts";
 * import assert from "node:assert/strict";
 *
 * const renderer = rendererFor("CartPole-v1");
 * assert.equal(renderer.fps, 50);
 * assert.throws(() => rendererFor("Pong-v5"), RangeError);
 * ```
 */
export function rendererFor(envId: string): Renderer<unknown> {
  const renderer = renderers.get(envId);
  if (renderer === undefined) {
    throw new RangeError(
      `Cannot render ${envId} as no renderer is registered for it (known: ${
        [...renderers.keys()].sort().join(", ")
      }): current value is ${JSON.stringify(envId)}`,
    );
  }
  return renderer;
}
