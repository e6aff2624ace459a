import { concatMap, map, of } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import { advantage } from "../operators/advantage.ts";
import { policyThenValue } from "../operators/policy_then_value.ts";
import { rewardsToGoAdvantage } from "../operators/rewards_to_go_advantage.ts";
import { rollout } from "../operators/rollout.ts";
import type { UpdateResult } from "../operators/types.ts";
import type { IterationContext } from "../train/ppo_iteration.ts";
import { type Recipe, recordRecipe } from "./recipe.ts";

/** Options of {@linkcode kerasCartPole}: the tutorial's bug, off by default. */
export interface KerasCartPoleOptions {
  /**
   * Play on through CartPole-v1's 500-step limit, as the tutorial does (it reads `terminated` and drops
   * `truncated`), so episodes last until the pole falls and returns exceed 500 (`maxEpisodeSteps: Infinity`).
   * @default {false}
   */
  readonly ignoreTruncation?: boolean;
}

/**
 * The Keras PPO tutorial on CartPole-v1 (`001` of the seeds): one env, 4000-step epochs, a policy loop then a
 * value loop on the whole batch, 30 epochs.
 *
 * Reproduced exactly: the hyperparameters (gamma 0.99, lambda 0.97, clip 0.2, policy learning rate 3e-4, value
 * learning rate 1e-3, up to 80 policy steps stopped once the KL passes 1.5 x 0.01, then 80 value steps, each on
 * the whole 4000-step batch; separate 64-64 tanh networks with Keras' Glorot-uniform weights and zero biases;
 * Adam with Keras' eps 1e-7; no entropy bonus, value clipping or gradient clipping); GAE advantages normalised
 * over the batch; the value targets are the rewards-to-go (not GAE's lambda-returns), bootstrapped from the
 * critic where the epoch cuts an episode. `updateEpochs` (80) sets both loops; `vfCoef` 2 turns CleanRL's
 * halved squared error back into the tutorial's mean squared error.
 *
 * Deviations, and why:
 * - An episode the epoch cuts continues in the next epoch (the library's envs step on across rollouts); the
 *   tutorial resets the env at every epoch's end and counts the cut episode in the epoch's mean return.
 * - The advantage standard deviation is the sample one, not numpy's population one (1 part in 4000).
 * - Tutorial bug, fixed by default and reproduced by `ignoreTruncation`: it ignores the time limit, so its
 *   episodes run past 500 steps (its reported returns of 1000 to 4000); here a truncated episode ends at 500 and
 *   its rewards-to-go continue from the critic's value of the final observation.
 *
 * @param options The tutorial bug to reproduce.
 * @returns The recipe `keras-cartpole`.
 *
 * @example
 * ```ts ignore
 * const recipe = kerasCartPole({ ignoreTruncation: true });
 * const run = await train(recipe.config, { usePreset: false, iteration: recipe.iteration });
 * ```
 */
export function kerasCartPole(options: KerasCartPoleOptions = {}): Recipe {
  const ignoreTruncation = options.ignoreTruncation ?? false;
  const recipe = { name: "keras-cartpole", options: { ignoreTruncation } };
  return {
    ...recipe,
    summary: "Keras PPO on CartPole-v1: 4000-step epochs, 80 policy steps (KL stop) then 80 value steps",
    config: {
      envId: "CartPole-v1",
      totalTimesteps: 120_000,
      numEnvs: 1,
      numSteps: 4000,
      numMinibatches: 1,
      updateEpochs: 80,
      learningRate: 3e-4,
      criticLearningRate: 1e-3,
      annealLr: false,
      adamEps: 1e-7,
      gamma: 0.99,
      gaeLambda: 0.97,
      clipCoef: 0.2,
      clipVloss: false,
      entCoef: 0,
      vfCoef: 2,
      maxGradNorm: Infinity,
      normAdv: true,
      targetKl: 0.01,
      hidden: [64, 64],
      activation: "tanh",
      sharedNetwork: false,
      init: "glorot-uniform",
      ...(ignoreTruncation ? { maxEpisodeSteps: Infinity } : {}),
    },
    iteration(context: IterationContext): Observable<UpdateResult> {
      recordRecipe(recipe, context);
      const { collector, engine, config } = context;
      return context.steps(config.numSteps).pipe(
        rollout({ numSteps: config.numSteps }),
        // The tutorial's buffer: rewards-to-go as value targets, GAE(gamma, lambda) as advantages.
        rewardsToGoAdvantage(engine, { gamma: config.gamma }),
        concatMap((toGo) =>
          of(toGo).pipe(
            advantage(engine, { gamma: config.gamma, gaeLambda: config.gaeLambda }),
            map((batch) => ({ ...batch, returns: toGo.returns })),
          )
        ),
        policyThenValue(collector, {
          ...config,
          policyIterations: config.updateEpochs,
          valueIterations: config.updateEpochs,
        }),
      );
    },
  };
}
