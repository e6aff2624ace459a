/**
 * Part-wise training's bookkeeping, shared by every engine: which part a train step trains, and each group's
 * Adam step count (a part's step counts only for its own tensors, as two optimizers would).
 *
 * @module
 */
import type { OptimizerState, ParamLayout, TrainStepOptions } from "./types.ts";

/** Adam steps taken by each optimizer group. */
export interface PartSteps {
  readonly actor: number;
  readonly critic: number;
}

/** The part `options` trains; a shared trunk refuses a part, since both heads' gradients flow through it. */
export function trainedPart(layout: ParamLayout, options: TrainStepOptions): "both" | "actor" | "critic" {
  const part = options.part ?? "both";
  if (part !== "both" && layout.config.shared) {
    throw new TypeError(
      `Cannot train a part of the network as the actor and critic share a trunk: current value is ${part}`,
    );
  }
  return part;
}

/** The step counts after one step of `part`. */
export function stepsAfter(steps: PartSteps, part: "both" | "actor" | "critic"): PartSteps {
  return {
    actor: steps.actor + (part === "critic" ? 0 : 1),
    critic: steps.critic + (part === "actor" ? 0 : 1),
  };
}

/** The counts as an optimizer state carries them (`criticStep` only when it differs). */
export function stateSteps(steps: PartSteps): Pick<OptimizerState, "step" | "criticStep"> {
  return steps.critic === steps.actor
    ? { step: steps.actor }
    : { step: steps.actor, criticStep: steps.critic };
}

/** The counts of an optimizer state. */
export function stepsOf(state: Pick<OptimizerState, "step" | "criticStep">): PartSteps {
  return { actor: state.step, critic: state.criticStep ?? state.step };
}
