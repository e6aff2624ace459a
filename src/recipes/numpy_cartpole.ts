import { from, take, tap } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import { advantage } from "../operators/advantage.ts";
import { episodeRollout } from "../operators/episode_rollout.ts";
import { minibatches } from "../operators/minibatches.ts";
import { ppoUpdate } from "../operators/ppo_update.ts";
import { recomputeAdvantages } from "../operators/recompute_advantages.ts";
import { runningRewardStop } from "../operators/running_reward_stop.ts";
import type { EpisodeResult, UpdateResult } from "../operators/types.ts";
import type { IterationContext } from "../train/ppo_iteration.ts";
import type { Run } from "../train/train.ts";
import { type Recipe, recordRecipe } from "./recipe.ts";

/** The tutorial's stop rule: solved once the running reward is above this. */
const SOLVED_ABOVE = 195;

/** Stage-state key of the stop rule's progress: `{ runningReward, episodes, solved }`. */
const STOP_RULE = "runningReward";

/** The stop rule's progress, as kept in the stage state (so a resumed run continues it). */
interface StopRuleState {
  /** `0.05 * episode return + 0.95 * running reward`, over the episodes so far. */
  runningReward: number;
  /** Episodes finished so far. */
  episodes: number;
  /** Global step at which the rule fired, or null. */
  solvedAtStep: number | null;
}

/**
 * The numpy "PPO from scratch" tutorial on CartPole (`000` of the seeds): one env, updates every 20 steps or at
 * the episode's end, advantages recomputed with the current critic before each of 3 epochs, and a running-reward
 * stop rule.
 *
 * Reproduced exactly: the loop (a rollout is the episode's next 20 steps, or fewer when it ends; each is trained
 * on at once, whole, for 3 epochs, GAE(0.98, 0.95) recomputed before every epoch); rewards divided by 100 for
 * learning (`rewardScale` 0.01); the clipped surrogate with clip 0.1, without advantage normalisation, entropy
 * bonus, value clipping or gradient clipping; separate actor and critic with one ReLU hidden layer; Adam (eps
 * 1e-8) per network; the stop rule `running = 0.05 * return + 0.95 * running`, solved above 195, checked after
 * each episode's last update (`follow` stops the run there; the rule's progress is kept in the run's stage state,
 * so a resumed run goes on counting).
 *
 * Deviations, and why:
 * - The values the article leaves to its gist (learning rate 5e-4, clip 0.1, 3 epochs, horizon 20, a 256-unit
 *   hidden layer) are those of minimalRL's `ppo.py`, whose loop and gamma, lambda and reward scale the article
 *   shares; its `init_model` is not shown, so the layers start as PyTorch's `nn.Linear` does.
 * - CartPole-v1 with its 500-step limit (truncations bootstrap from the final observation) instead of the
 *   article's own CartPole copy without one: a policy that never drops the pole would never end an episode, and
 *   the stop rule, checked at episode ends, would never fire.
 * - The critic regresses on GAE's lambda-returns (advantages + values), the article's on one-step TD targets.
 * - The losses are means over the batch, the article's gradients sums: Adam makes the step nearly the same.
 *
 * @returns The recipe `numpy-cartpole`.
 *
 * @example
 * ```ts ignore
 * const recipe = numpyCartPole();
 * const run = await train(recipe.config, { usePreset: false, iteration: recipe.iteration });
 * recipe.follow?.(run); // stops the run once the running reward passes 195
 * ```
 */
export function numpyCartPole(): Recipe {
  const recipe = { name: "numpy-cartpole", options: {} };
  // Set by the iteration whose rollout ends the solving episode; `follow` then stops the run after its update.
  let solved = false;
  return {
    ...recipe,
    summary:
      "numpy PPO on CartPole-v1: 20-step updates, advantages recomputed per epoch, stop at running 195",
    config: {
      envId: "CartPole-v1",
      totalTimesteps: 1_000_000,
      numEnvs: 1,
      numSteps: 20,
      numMinibatches: 1,
      updateEpochs: 3,
      learningRate: 5e-4,
      annealLr: false,
      adamEps: 1e-8,
      gamma: 0.98,
      gaeLambda: 0.95,
      clipCoef: 0.1,
      clipVloss: false,
      entCoef: 0,
      vfCoef: 1,
      maxGradNorm: Infinity,
      normAdv: false,
      hidden: [256],
      activation: "relu",
      sharedNetwork: false,
      init: "pytorch-default",
      rewardScale: 0.01,
    },
    iteration(context: IterationContext): Observable<UpdateResult> {
      recordRecipe(recipe, context);
      const { collector, engine, config, shuffleRng } = context;
      const gae = { gamma: config.gamma, gaeLambda: config.gaeLambda };
      return context.steps(Number.MAX_SAFE_INTEGER).pipe(
        episodeRollout({ maxSteps: config.numSteps }),
        take(1),
        tap((batch) => {
          solved = foldRunningReward(context.state, batch.episodes);
        }),
        advantage(engine, gae),
        minibatches(shuffleRng, { numMinibatches: 1, updateEpochs: config.updateEpochs }),
        recomputeAdvantages(engine, ppoUpdate(collector, config), gae),
      );
    },
    follow(run: Run): void {
      run.iterations$.subscribe({
        next: () => {
          if (solved) void run.stop();
        },
        error: () => {},
      });
    },
  };
}

/** Folds finished episodes into the stop rule's state; true once the rule has fired. */
function foldRunningReward(state: Map<string, JsonValue>, episodes: readonly EpisodeResult[]): boolean {
  const rule = { ...(state.get(STOP_RULE) as StopRuleState | undefined ?? emptyRule()) };
  if (rule.solvedAtStep === null) {
    from(episodes).pipe(runningRewardStop({ threshold: SOLVED_ABOVE, initial: rule.runningReward }))
      .subscribe((running) => {
        rule.runningReward = running.runningReward;
        rule.episodes++;
        if (running.solved) rule.solvedAtStep = episodes[running.count - 1]!.globalStep;
      });
  }
  state.set(STOP_RULE, { ...rule });
  return rule.solvedAtStep !== null;
}

function emptyRule(): StopRuleState {
  return { runningReward: 0, episodes: 0, solvedAtStep: null };
}
