import type { TrainStepOptions } from "./types.ts";

/** Refuses a non-finite value, naming the array and the index. Shared by every engine, so all refuse alike. */
export function checkFinite(array: ArrayLike<number>, action: string, name: string): void {
  for (let i = 0; i < array.length; i++) {
    if (!Number.isFinite(array[i]!)) {
      throw new RangeError(
        `Cannot ${action} as ${name} must be finite: current value at index ${i} is ${array[i]}`,
      );
    }
  }
}

/** The option checks of `trainStep`, shared by every engine so all refuse the same steps. */
export function checkTrainOptions(options: TrainStepOptions): void {
  for (const name of ["learningRate", "clipCoef", "entCoef", "vfCoef", "criticLearningRate"] as const) {
    const value = options[name];
    const optional = name === "criticLearningRate";
    if ((!optional || value !== undefined) && !(Number.isFinite(value) && value! >= 0)) {
      throw new RangeError(`Cannot train as ${name} must be a finite number >= 0: current value is ${value}`);
    }
  }
  if (!(options.maxGradNorm > 0)) {
    throw new RangeError(
      `Cannot train as maxGradNorm must be positive: current value is ${options.maxGradNorm}`,
    );
  }
  const eps = options.adamEps;
  if (eps !== undefined && !(Number.isFinite(eps) && eps > 0)) {
    throw new RangeError(`Cannot train as adamEps must be a finite number > 0: current value is ${eps}`);
  }
}
