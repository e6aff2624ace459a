import type { EnvSpec } from "./types.ts";
import { type EnvFactory, registry } from "./_registry.ts";
import { describe } from "./_describe.ts";
import { checkMaxEpisodeSteps } from "./_check_max_episode_steps.ts";

export type { EnvFactory } from "./_registry.ts";

/**
 * Registers an environment under an id so that `make(id)` and `new VecEnv(id, n)` can build it (Gymnasium's
 * `gymnasium.register`). An environment extending `BufferedEnv` steps without allocation inside a `VecEnv`;
 * any other `Env` works too, through a copying adapter.
 *
 * @param id A new id, by convention `Name-vN`.
 * @param factory Builds one environment from the `envOptions` given to `make`.
 * @param spec The time limit `make` applies and the reward threshold it reports.
 * @throws {RangeError} When the id is already registered or `maxEpisodeSteps` is not a positive integer or
 *   `Infinity`.
 *
 * @example
 * ```ts
 * import { register } from "./register.ts";
 * import { make } from "./make.ts";
 * import { Pendulum } from "./pendulum.ts";
 * import assert from "node:assert/strict";
 *
 * register("ShortPendulum-v0", () => new Pendulum(), { maxEpisodeSteps: 50, rewardThreshold: null });
 * const env = make("ShortPendulum-v0");
 * assert.deepEqual(env.spec, { id: "ShortPendulum-v0", maxEpisodeSteps: 50, rewardThreshold: null });
 * ```
 */
export function register(id: string, factory: EnvFactory, spec: Omit<EnvSpec, "id">): void {
  if (registry.has(id)) {
    throw new RangeError(
      `Cannot register ${id} as the id is already registered: current value is ${describe(id)}`,
    );
  }
  if (typeof factory !== "function") {
    throw new TypeError(
      `Cannot register ${id} as factory must be a function: current value is ${describe(factory)}`,
    );
  }
  const max = checkMaxEpisodeSteps(`register ${id}`, spec.maxEpisodeSteps);
  registry.set(id, { factory, spec: { id, maxEpisodeSteps: max, rewardThreshold: spec.rewardThreshold } });
}
