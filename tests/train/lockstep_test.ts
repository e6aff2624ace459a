import assert from "node:assert/strict";
import { concatMap, lastValueFrom, range, tap, toArray } from "rxjs";
import { Rng } from "../../src/core/rng.ts";
import { resolveConfig } from "../../src/config/ppo_config.ts";
import { VecEnv } from "../../src/envs/vec_env.ts";
import { createPolicy } from "../../src/model/create_policy.ts";
import { initParams } from "../../src/model/init_params.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { PolicyEngine } from "../../src/model/types.ts";
import { Collector } from "../../src/operators/collector.ts";
import { networkConfig } from "../../src/train/create_agent.ts";
import { ppoIteration } from "../../src/train/ppo_iteration.ts";

/** Wraps an engine so every call answers after a timer, as WebGPU or threaded kernels do, and logs the calls. */
function delayed(engine: PolicyEngine, log: string[]): PolicyEngine {
  const later = <T>(value: () => T | Promise<T>) =>
    new Promise<T>((resolve, reject) =>
      setTimeout(() => Promise.resolve().then(value).then(resolve, reject), 1)
    );
  return {
    layout: engine.layout,
    engine: engine.engine,
    act: (input, out) => {
      log.push("act");
      return later(() => engine.act(input, out));
    },
    values: (obs, batch, out) => later(() => engine.values(obs, batch, out)),
    evaluate: (obs, actions, batch, out) => later(() => engine.evaluate(obs, actions, batch, out)),
    trainStep: (mb, options) => {
      log.push("train:start");
      return later(() => engine.trainStep(mb, options)).then((stats) => {
        log.push("train:end");
        return stats;
      });
    },
    getParams: () => engine.getParams(),
    setParams: (p) => engine.setParams(p),
    getOptimizerState: () => engine.getOptimizerState(),
    setOptimizerState: (s) => engine.setOptimizerState(s),
    dispose: () => engine.dispose(),
  };
}

async function runIterations(engineName: "reference" | "gpujs", asyncWrapper: boolean) {
  const config = resolveConfig({
    numEnvs: 2,
    numSteps: 8,
    numMinibatches: 2,
    updateEpochs: 2,
    totalTimesteps: 64,
  });
  const vecEnv = new VecEnv("CartPole-v1", config.numEnvs, { seed: 1 });
  const layout = paramLayout(networkConfig(config, vecEnv));
  const inner = await createPolicy(layout, {
    engine: engineName,
    ...(engineName === "gpujs" ? { backend: "cpu" as const } : {}),
    params: initParams(layout, new Rng(1)),
  });
  const log: string[] = [];
  const engine = asyncWrapper ? delayed(inner, log) : inner;
  const collector = new Collector(engine, vecEnv, { seed: 1 });
  const shuffle = new Rng(2);
  let completed = 0;
  const versions: number[] = [];
  const paramsAtRollout: Float32Array[] = [];
  const paramsAfterUpdate: Float32Array[] = [];
  await lastValueFrom(
    range(0, 4).pipe(
      concatMap(() =>
        ppoIteration(collector, shuffle, config, {
          transform: tap((step) => {
            if (step.globalStep % (config.numEnvs * config.numSteps) === 0) {
              paramsAtRollout.push(engine.getParams());
            }
          }),
        })
      ),
      tap((update) => {
        if (update.final) {
          versions.push(update.batch.policyVersion);
          assert.equal(update.batch.policyVersion, completed, "rollout version equals completed iterations");
          completed++;
          paramsAfterUpdate.push(engine.getParams());
        }
      }),
      toArray(),
    ),
  );
  await inner.dispose();
  return { versions, log, paramsAtRollout, paramsAfterUpdate, collector };
}

Deno.test("each rollout is collected with the parameters of the previous update (synchronous engine)", async () => {
  const { versions, paramsAtRollout, paramsAfterUpdate, collector } = await runIterations("reference", false);
  assert.deepEqual(versions, [0, 1, 2, 3]);
  assert.equal(collector.policyVersion, 4);
  for (let k = 1; k < 4; k++) assert.deepEqual(paramsAtRollout[k], paramsAfterUpdate[k - 1]);
  assert.notDeepEqual(paramsAtRollout[1], paramsAtRollout[0]);
});

Deno.test("each rollout waits for the previous update with an asynchronous engine", async () => {
  const { versions, log, paramsAtRollout, paramsAfterUpdate } = await runIterations("reference", true);
  assert.deepEqual(versions, [0, 1, 2, 3]);
  // No act may start while a train step is in flight, and acting resumes only after the last one ended.
  let pending = 0;
  for (const entry of log) {
    if (entry === "train:start") pending++;
    if (entry === "train:end") pending--;
    if (entry === "act") assert.equal(pending, 0);
  }
  for (let k = 1; k < 4; k++) assert.deepEqual(paramsAtRollout[k], paramsAfterUpdate[k - 1]);
});

Deno.test("each rollout waits for the previous update on the gpu.js engine (asynchronous cpu backend)", async () => {
  const { versions, paramsAtRollout, paramsAfterUpdate } = await runIterations("gpujs", false);
  assert.deepEqual(versions, [0, 1, 2, 3]);
  for (let k = 1; k < 4; k++) assert.deepEqual(paramsAtRollout[k], paramsAfterUpdate[k - 1]);
});
