import type { Box } from "./box.ts";
import { BufferedEnv, type StepOutput } from "./buffered_env.ts";
import type { Env, EnvSpec, ResetOptions, Space } from "./types.ts";

/**
 * Lets a plain {@linkcode Env} (one that does not extend {@linkcode BufferedEnv}) run inside `make` and
 * `VecEnv`, by copying what its `reset` and `step` return. Its own allocations remain.
 */
export class EnvAdapter extends BufferedEnv {
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  readonly spec: EnvSpec;
  #env: Env;

  constructor(env: Env) {
    super();
    this.#env = env;
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.spec = env.spec;
  }

  resetInto(obs: Float32Array, offset: number, options?: ResetOptions): void {
    obs.set(this.#env.reset(options).obs, offset);
  }

  stepInto(actions: ArrayLike<number>, offset: number, out: StepOutput): void {
    const space = this.actionSpace;
    const action = space.kind === "discrete"
      ? actions[offset]!
      : Float32Array.from({ length: space.size }, (_, i) => actions[offset + i]!);
    const result = this.#env.step(action);
    out.obs.set(result.obs, out.offset);
    out.reward = result.reward;
    out.terminated = result.terminated;
    out.truncated = result.truncated;
  }
}
