import type { GaeInput } from "./gae.ts";

/**
 * Refuses a discount outside [0, 1] and rollout arrays whose lengths do not fit `numSteps * numEnvs`, as the
 * return estimators other than GAE need them (`action` names the estimator in the message).
 */
export function checkReturnsInput(input: GaeInput, gamma: number, action: string): void {
  if (!(gamma >= 0 && gamma <= 1)) {
    throw new RangeError(`Cannot ${action} as gamma must be in [0, 1]: current value is ${gamma}`);
  }
  const size = input.numSteps * input.numEnvs;
  for (const name of ["rewards", "values", "terminated", "truncated", "finalValues"] as const) {
    if (input[name].length !== size) {
      throw new TypeError(
        `Cannot ${action} as ${name} must have numSteps * numEnvs = ${size} elements: current value has ${
          input[name].length
        }`,
      );
    }
  }
  if (input.nextValues.length !== input.numEnvs) {
    throw new TypeError(
      `Cannot ${action} as nextValues must have numEnvs = ${input.numEnvs} elements: current value has ${input.nextValues.length}`,
    );
  }
}
