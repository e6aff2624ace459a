import type { EnvDefinition } from "./define_env.ts";
import { TimeLimit } from "./time_limit.ts";
import { registry } from "./_registry.ts";
import { describe } from "./_describe.ts";
import { checkMaxEpisodeSteps } from "./_check_max_episode_steps.ts";

/** Options of {@linkcode make}. */
export interface MakeOptions {
  /** Overrides the registered time limit (a positive integer, or `Infinity` for none). @default {spec.maxEpisodeSteps} */
  maxEpisodeSteps?: number;
  /** Passed to the registered factory, like the keyword arguments of Gymnasium's `make`. @default {{}} */
  envOptions?: Readonly<Record<string, unknown>>;
}

/**
 * Creates an environment by id (`"CartPole-v1"`, `"Acrobot-v1"`, `"MountainCar-v0"`,
 * `"MountainCarContinuous-v0"`, `"Pendulum-v1"` or one added with `register`) or from a `defineEnv`
 * definition, wrapped in its {@linkcode TimeLimit}, as Gymnasium's `gymnasium.make` does.
 *
 * @param env A registered id or a definition.
 * @param options Time-limit override and factory options.
 * @returns The time-limited environment; `.env` is the unwrapped one.
 * @throws {RangeError} When the id is not registered (the message lists the known ids) or `maxEpisodeSteps`
 *   is invalid.
 *
 * @example
 * ```ts
 * import { make } from "./make.ts";
 * import assert from "node:assert/strict";
 *
 * const env = make("CartPole-v1");
 * assert.deepEqual(env.spec, { id: "CartPole-v1", maxEpisodeSteps: 500, rewardThreshold: 475 });
 * const { obs } = env.reset({ seed: 42 });
 * const step = env.step(0);
 * assert.ok(step.obs[1]! < obs[1]!); // pushed left
 * assert.throws(() => make("CartPole-v9"), RangeError);
 * ```
 */
export function make(env: string | EnvDefinition, options: MakeOptions = {}): TimeLimit {
  let inner;
  let spec;
  if (typeof env === "string") {
    const registration = registry.get(env);
    if (registration === undefined) {
      throw new RangeError(
        `Cannot make an environment as the id must be one of ${
          [...registry.keys()].sort().join(", ")
        }: current value is ${describe(env)}`,
      );
    }
    inner = registration.factory(options.envOptions ?? {});
    spec = registration.spec;
  } else if (typeof env === "object" && env !== null && env.kind === "definition") {
    inner = env.create();
    spec = env.spec;
  } else {
    throw new TypeError(
      `Cannot make an environment as env must be an id or a defineEnv() definition: current value is ${
        describe(env)
      }`,
    );
  }
  const maxEpisodeSteps = checkMaxEpisodeSteps(
    `make ${spec.id}`,
    options.maxEpisodeSteps ?? spec.maxEpisodeSteps,
  );
  return new TimeLimit(inner, { ...spec, maxEpisodeSteps });
}
