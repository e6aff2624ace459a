import { TestScheduler } from "rxjs/testing";
import assert from "node:assert/strict";
import type { AdvantageBatch, Rollout, StepBatch } from "../../src/operators/types.ts";

/** A TestScheduler whose assertions are node:assert's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** A one-env, one-dimensional step whose fields are derived from `t`, so rows are easy to recognise. */
export function fakeStep(t: number, options: { numEnvs?: number; policyVersion?: number } = {}): StepBatch {
  const n = options.numEnvs ?? 1;
  const fill = (v: number) => Float32Array.from({ length: n }, (_, i) => v + i / 10);
  return {
    numEnvs: n,
    obsDim: 1,
    actionDim: 1,
    obs: fill(t),
    actions: fill(t % 2),
    logProbs: fill(-t),
    values: fill(t * 2),
    rewards: fill(1),
    terminated: new Uint8Array(n),
    truncated: new Uint8Array(n),
    finalObs: new Float32Array(n),
    nextObs: fill(t + 1),
    episodes: [],
    policyVersion: options.policyVersion ?? 0,
    globalStep: t * n,
  };
}

/** A rollout of `numSteps` steps of one env with the given rewards and values. */
export function fakeRollout(
  rewards: number[],
  values: number[],
  extra: Partial<Rollout> = {},
): Rollout {
  const rows = rewards.length;
  return {
    numSteps: rows,
    numEnvs: 1,
    obsDim: 1,
    actionDim: 1,
    obs: Float32Array.from({ length: rows }, (_, i) => i),
    actions: new Float32Array(rows),
    logProbs: new Float32Array(rows),
    values: Float32Array.from(values),
    rewards: Float32Array.from(rewards),
    terminated: new Uint8Array(rows),
    truncated: new Uint8Array(rows),
    finalObs: new Float32Array(rows),
    nextObs: Float32Array.of(rows),
    episodes: [],
    policyVersion: 0,
    globalStep: rows,
    ...extra,
  };
}

/** An advantage batch over `rows` rows (advantages = row index). */
export function fakeBatch(rows: number, policyVersion = 0): AdvantageBatch {
  const r = fakeRollout(new Array(rows).fill(1), new Array(rows).fill(0), { policyVersion });
  return {
    ...r,
    advantages: Float32Array.from({ length: rows }, (_, i) => i),
    returns: new Float32Array(rows).fill(1),
  };
}
