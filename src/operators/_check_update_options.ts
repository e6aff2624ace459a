/** The option checks the update operators share (`ppoUpdate`, `policyThenValue`). */
export interface UpdateOptionsToCheck {
  readonly learningRate: number;
  readonly criticLearningRate?: number | null;
  readonly clipCoef: number;
  readonly maxGradNorm: number;
  readonly annealIterations?: number;
  readonly targetKl?: number | null;
  readonly entCoef: number;
  readonly vfCoef: number;
}

/**
 * Refuses non-positive rates, clip, norm, annealing and KL target, and negative or non-finite loss weights,
 * naming the operator being created, the option and the value.
 */
export function checkUpdateOptions(operator: string, options: UpdateOptionsToCheck): void {
  const positive: [string, number | undefined][] = [
    ["learningRate", options.learningRate],
    ["criticLearningRate", options.criticLearningRate ?? undefined],
    ["clipCoef", options.clipCoef],
    ["maxGradNorm", options.maxGradNorm],
    ["annealIterations", options.annealIterations],
    ["targetKl", options.targetKl ?? undefined],
  ];
  for (const [name, value] of positive) {
    if (value !== undefined && !(value > 0)) {
      throw new RangeError(
        `Cannot create ${operator} as ${name} must be positive: current value is ${value}`,
      );
    }
  }
  for (const [name, value] of [["entCoef", options.entCoef], ["vfCoef", options.vfCoef]] as const) {
    if (!(value >= 0 && Number.isFinite(value))) {
      throw new RangeError(
        `Cannot create ${operator} as ${name} must be a non-negative number: current value is ${value}`,
      );
    }
  }
}
