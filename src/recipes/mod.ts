/**
 * The four tutorials ppo-flow is built from, as recipes for `train()`: each is the tutorial's hyperparameters
 * and its iteration composed from the library's operators, with its deviations documented. Tutorial bugs are
 * fixed by default and reproduced by a recipe's options.
 *
 * | name                 | tutorial                                   | environment    |
 * | -------------------- | ------------------------------------------ | -------------- |
 * | `numpy-cartpole`     | PPO from scratch in numpy                  | CartPole-v1    |
 * | `keras-cartpole`     | Keras PPO, policy then value loops         | CartPole-v1    |
 * | `pytorch-pendulum`   | PyTorch PPO from scratch, continuous       | Pendulum-v1    |
 * | `keras-lunar-lander` | Keras PPO with a shared 1024-1024 trunk    | LunarLander-v3 |
 *
 * @example Train a recipe, and resume it
 * ```ts ignore
 * import { train } from "@ppo-flow/ppo-flow";
 * import { recipeFor, savedRecipe } from "@ppo-flow/ppo-flow/recipes";
 *
 * const recipe = recipeFor("keras-cartpole", { ignoreTruncation: true });
 * const run = await train(recipe.config, { usePreset: false, iteration: recipe.iteration });
 * recipe.follow?.(run);
 * await run.done;
 * const again = await savedRecipe(run.runDir!); // the same recipe, with the same options
 * ```
 *
 * @module
 */
import { loadTrainingState } from "../train/training_state.ts";
import { kerasCartPole } from "./keras_cartpole.ts";
import { kerasLunarLander } from "./keras_lunar_lander.ts";
import { numpyCartPole } from "./numpy_cartpole.ts";
import { pytorchPendulum } from "./pytorch_pendulum.ts";
import { type Recipe, RECIPE_STATE_KEY, type SavedRecipe } from "./recipe.ts";

export { kerasCartPole, type KerasCartPoleOptions } from "./keras_cartpole.ts";
export { kerasLunarLander, type KerasLunarLanderOptions } from "./keras_lunar_lander.ts";
export { numpyCartPole } from "./numpy_cartpole.ts";
export { pytorchPendulum, type PytorchPendulumOptions } from "./pytorch_pendulum.ts";
export { type Recipe, RECIPE_STATE_KEY, type SavedRecipe } from "./recipe.ts";

/** Builds a recipe from its options (the tutorial bugs to reproduce; every one off by default). */
export type RecipeFactory = (options?: Readonly<Record<string, boolean>>) => Recipe;

/** The recipes by name. */
export const RECIPES: Readonly<Record<string, RecipeFactory>> = Object.freeze({
  "numpy-cartpole": () => numpyCartPole(),
  "keras-cartpole": (options = {}) => kerasCartPole(options),
  "pytorch-pendulum": (options = {}) => pytorchPendulum(options),
  "keras-lunar-lander": (options = {}) => kerasLunarLander(options),
});

/**
 * The recipe called `name`, built with `options`.
 *
 * @param name A name in {@linkcode RECIPES}.
 * @param options Tutorial bugs to reproduce, by option name; every name must be one of the recipe's options.
 * @returns The recipe.
 * @throws {RangeError} When the name or an option is unknown (the message lists the known ones).
 *
 * @example
 * ```ts
 * import { recipeFor } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const recipe = recipeFor("keras-cartpole", { ignoreTruncation: true });
 * assert.equal(recipe.config.maxEpisodeSteps, Infinity);
 * assert.throws(() => recipeFor("keras-pong"), /known: numpy-cartpole/);
 * ```
 */
export function recipeFor(name: string, options: Readonly<Record<string, boolean>> = {}): Recipe {
  const factory = Object.hasOwn(RECIPES, name) ? RECIPES[name] : undefined;
  if (factory === undefined) {
    throw new RangeError(
      `Cannot find recipe as ${JSON.stringify(name)} is not one (known: ${
        Object.keys(RECIPES).join(", ")
      }): current value is ${JSON.stringify(name)}`,
    );
  }
  const known = Object.keys(factory().options);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new RangeError(
        `Cannot build recipe ${name} as ${key} is not one of its options (known: ${
          known.join(", ") || "none"
        }): current value is ${key}`,
      );
    }
  }
  return factory(options);
}

/**
 * The recipe a run was trained with, read from its latest checkpoint's stage state (null for a run without a
 * recipe): what `--resume` needs to continue the run with the same iteration.
 *
 * @param runDir The run directory.
 * @returns The recipe, built with the options the run started with, or null.
 */
export async function savedRecipe(runDir: string): Promise<Recipe | null> {
  const { stageState } = await loadTrainingState(runDir);
  const saved = stageState.get(RECIPE_STATE_KEY) as SavedRecipe | undefined;
  return saved === undefined ? null : recipeFor(saved.name, saved.options);
}
