import { describe } from "./_describe.ts";

/**
 * Returns `value` when it is a valid time limit (a positive integer, or `Infinity` for none), else throws.
 *
 * @param action What the caller was doing, for the message: `"make CartPole-v1"`.
 */
export function checkMaxEpisodeSteps(action: string, value: number): number {
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return value;
  throw new RangeError(
    `Cannot ${action} as maxEpisodeSteps must be a positive integer or Infinity: current value is ${
      describe(value)
    }`,
  );
}
