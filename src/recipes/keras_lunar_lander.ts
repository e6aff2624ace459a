import { map } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import { advantage } from "../operators/advantage.ts";
import { minibatches } from "../operators/minibatches.ts";
import { ppoUpdate } from "../operators/ppo_update.ts";
import { rollout } from "../operators/rollout.ts";
import type { Rollout, UpdateResult } from "../operators/types.ts";
import type { IterationContext } from "../train/ppo_iteration.ts";
import { type Recipe, recordRecipe } from "./recipe.ts";

/** Options of {@linkcode kerasLunarLander}: the tutorial's bugs, off by default. */
export interface KerasLunarLanderOptions {
  /**
   * Act on the envs' very first observations at the start of every rollout, as the tutorial does (it passes the
   * observations of its one `reset` to every batch), instead of on the observations the envs are in.
   * @default {false}
   */
  readonly staleFirstObservation?: boolean;
  /**
   * Treat a time-limit cut as no end at all, as the tutorial does (its done flags are `terminated` only): GAE
   * then bootstraps a truncated episode from the value of the next episode's first observation.
   * @default {false}
   */
  readonly ignoreTruncation?: boolean;
}

/** Stage-state key of the envs' first observations (`staleFirstObservation`). */
const FIRST_OBSERVATIONS = "firstObservations";

/**
 * The Keras PPO tutorial on LunarLander (`003` of the seeds): CleanRL's algorithm with a shared 1024-1024 ReLU
 * trunk, 4 envs x 128 steps, 4 minibatches x 4 epochs, 2M steps.
 *
 * Reproduced exactly: every hyperparameter (seed 42, learning rate 2.5e-4 annealed linearly to 0 per batch, Adam
 * eps 1e-5, gamma 0.99, lambda 0.95, clip 0.2 for the ratio and the value, entropy 0.01, value coefficient 0.5,
 * global gradient norm 0.5, advantages normalised per minibatch); the network (one trunk, policy head gain 0.01,
 * value head gain 1, hidden gain sqrt(2), zero biases); GAE with the value of the observations after the rollout.
 *
 * Deviations, and why:
 * - LunarLander-v3 instead of v2 (Gymnasium's current version; v2 is gone), on the planck.js port of Box2D: the
 *   episodes behave alike but do not match the tutorial's step by step.
 * - The first hidden layer starts orthogonal (gain sqrt(2)) like the rest: the tutorial leaves that one layer at
 *   Keras' Glorot-uniform default, and `init` applies to the whole network.
 * - The advantage standard deviation is the sample one (CleanRL's `torch.std`), not TensorFlow's population one.
 * - Tutorial bugs, fixed by default and reproduced by the options: it acts on a stale first observation at the
 *   start of every batch (`staleFirstObservation`), and it bootstraps truncated episodes through the next
 *   episode's first observation (`ignoreTruncation`).
 *
 * @param options The tutorial bugs to reproduce.
 * @returns The recipe `keras-lunar-lander`.
 *
 * @example
 * ```ts ignore
 * const recipe = kerasLunarLander();
 * const run = await train({ ...recipe.config, engine: "wasm" }, { usePreset: false, iteration: recipe.iteration });
 * ```
 */
export function kerasLunarLander(options: KerasLunarLanderOptions = {}): Recipe {
  const staleFirstObservation = options.staleFirstObservation ?? false;
  const ignoreTruncation = options.ignoreTruncation ?? false;
  const recipe = {
    name: "keras-lunar-lander",
    options: { staleFirstObservation, ignoreTruncation },
  };
  return {
    ...recipe,
    summary: "Keras PPO on LunarLander-v3: shared 1024-1024 ReLU trunk, 4 envs x 128 steps, 2M steps",
    config: {
      envId: "LunarLander-v3",
      seed: 42,
      totalTimesteps: 2_000_000,
      numEnvs: 4,
      numSteps: 128,
      numMinibatches: 4,
      updateEpochs: 4,
      learningRate: 2.5e-4,
      annealLr: true,
      adamEps: 1e-5,
      gamma: 0.99,
      gaeLambda: 0.95,
      clipCoef: 0.2,
      clipVloss: true,
      entCoef: 0.01,
      vfCoef: 0.5,
      maxGradNorm: 0.5,
      normAdv: true,
      hidden: [1024, 1024],
      activation: "relu",
      sharedNetwork: true,
      init: "orthogonal",
    },
    iteration(context: IterationContext): Observable<UpdateResult> {
      recordRecipe(recipe, context);
      const { collector, engine, config, shuffleRng, numIterations } = context;
      if (staleFirstObservation) actOnFirstObservations(context);
      return context.steps(config.numSteps).pipe(
        rollout({ numSteps: config.numSteps }),
        map((batch) => ignoreTruncation ? forgetTruncation(batch) : batch),
        advantage(engine, { gamma: config.gamma, gaeLambda: config.gaeLambda }),
        minibatches(shuffleRng, { numMinibatches: config.numMinibatches, updateEpochs: config.updateEpochs }),
        ppoUpdate(collector, { ...config, ...(config.annealLr ? { annealIterations: numIterations } : {}) }),
      );
    },
  };
}

/** Points the collector back at the envs' first observations (kept in the stage state from iteration 1 on). */
function actOnFirstObservations(context: IterationContext): void {
  const { collector } = context;
  const saved = context.state.get(FIRST_OBSERVATIONS);
  if (saved === undefined) {
    // Normalisation is off in this recipe: the observations acted on are the raw ones.
    const first: JsonValue = Array.from(collector.observations);
    context.state.set(FIRST_OBSERVATIONS, first);
    return;
  }
  collector.setState(collector.getState(), Float32Array.from(saved as number[]));
}

/** The tutorial's done flags: a truncated step counts as neither an end nor a cut. */
function forgetTruncation(batch: Rollout): Rollout {
  return { ...batch, truncated: new Uint8Array(batch.truncated.length) };
}
