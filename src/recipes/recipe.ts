import type { Observable } from "../_rxjs.ts";
import type { PpoConfig } from "../config/ppo_config.ts";
import type { JsonValue } from "../io/checkpoint.ts";
import type { UpdateResult } from "../operators/types.ts";
import type { IterationContext } from "../train/ppo_iteration.ts";
import type { Run } from "../train/train.ts";

/**
 * A tutorial's agent as a `train()` composition: its hyperparameters, its iteration, and anything it watches
 * while the run trains (a stop rule). Build one with a recipe factory (see `RECIPES`), then
 * `train(recipe.config, { iteration: recipe.iteration })` and `recipe.follow?.(run)`. Build one per run: a
 * recipe's iteration may tell its `follow` what it saw (the numpy tutorial's stop rule does).
 */
export interface Recipe {
  /** The name in `RECIPES` and in `deno task train --recipe <name>`. */
  readonly name: string;
  /** One line for `--help`: the tutorial, its environment and what the recipe trains. */
  readonly summary: string;
  /**
   * The options the recipe was built with (its tutorial-bug switches): saved with its name in every checkpoint's
   * stage state, so that a resumed run rebuilds the same recipe.
   */
  readonly options: Readonly<Record<string, boolean>>;
  /** The tutorial's hyperparameters, applied under the caller's overrides and without the environment's preset. */
  readonly config: Partial<PpoConfig>;
  /** One iteration, composed top to bottom as the tutorial's loop reads (give it to `train()`'s `iteration`). */
  iteration(context: IterationContext): Observable<UpdateResult>;
  /** Watches a started run (the numpy tutorial's stop rule calls `run.stop()`); call it right after `train()`. */
  follow?(run: Run): void;
}

/** The stage-state key under which a recipe run keeps its recipe's name and options. */
export const RECIPE_STATE_KEY = "recipe";

/** What a recipe run keeps under {@linkcode RECIPE_STATE_KEY}. */
export interface SavedRecipe {
  /** The recipe's name. */
  readonly name: string;
  /** Its options. */
  readonly options: Readonly<Record<string, boolean>>;
}

/** Records a recipe's name and options in the iteration's stage state, which every checkpoint saves. */
export function recordRecipe(
  recipe: Pick<Recipe, "name" | "options">,
  context: IterationContext,
): void {
  const saved: Record<string, JsonValue> = { name: recipe.name, options: { ...recipe.options } };
  context.state.set(RECIPE_STATE_KEY, saved);
}
