/**
 * `deno task bench:train [--agent cartpole|lunar] [--engine E] [--backend B] [--baseline E] [--total-timesteps N]
 * [--seed S]`:
 * trains CartPole-v1 with CleanRL's hyperparameters (or, with `--agent lunar`, the seed article's LunarLander-v3
 * agent: a shared 8-1024-1024 ReLU trunk, about 1.06M parameters) for a fixed budget and prints end-to-end SPS, where the time goes (env stepping,
 * rollout inference, advantage, update, pipeline plumbing), the update's effective GFLOP/s, the RxJS pipeline's
 * overhead against a hand-written loop that calls the same engine and env in the same process, and the speed
 * against a baseline engine (default: the single-thread reference engine) run interleaved in the same process,
 * since the machine is shared and only ratios measured side by side compare.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { concatMap, lastValueFrom, range, toArray } from "rxjs";
import { gae } from "../src/core/gae.ts";
import {
  type BackendChoice,
  derivedSizes,
  type EngineChoice,
  type PpoConfig,
  resolveConfig,
} from "../src/config/ppo_config.ts";
import type { MinibatchData, PolicyEngine } from "../src/model/types.ts";
import { chooseEngine } from "../src/model/choose_engine.ts";
import { type Agent, createAgent } from "../src/train/create_agent.ts";
import { ppoIteration } from "../src/train/ppo_iteration.ts";
import type { StepBatch } from "../src/operators/types.ts";

/** Milliseconds spent per phase. */
interface Phases {
  env: number;
  inference: number;
  advantage: number;
  update: number;
}

/** Wraps the agent's engine and envs with timers; async results are timed until they settle. */
function instrument(agent: Agent): Phases {
  const phases: Phases = { env: 0, inference: 0, advantage: 0, update: 0 };
  const engine = agent.engine as PolicyEngine & Record<string, unknown>;
  const timed = <A extends unknown[], R>(fn: (...args: A) => R, phase: keyof Phases) => (...args: A): R => {
    const start = performance.now();
    const result = fn(...args);
    if (result instanceof Promise) {
      return result.finally(() => phases[phase] += performance.now() - start) as R;
    }
    phases[phase] += performance.now() - start;
    return result;
  };
  engine.act = timed(engine.act.bind(engine), "inference");
  engine.values = timed(engine.values.bind(engine), "advantage");
  engine.trainStep = timed(engine.trainStep.bind(engine), "update");
  const vecEnv = agent.vecEnv as unknown as { step: (a: Float32Array) => unknown };
  vecEnv.step = timed(vecEnv.step.bind(agent.vecEnv), "env");
  return phases;
}

/** FLOPs of one row's forward+backward through an MLP (multiply-add = 2, backward = 2x forward). */
function mlpFlops(sizes: number[]): number {
  let flops = 0;
  for (let i = 1; i < sizes.length; i++) flops += 2 * sizes[i - 1]! * sizes[i]!;
  return 3 * flops;
}

async function runPipeline(config: PpoConfig) {
  const agent = await createAgent(config);
  const phases = instrument(agent);
  const { numIterations } = derivedSizes(config);
  const start = performance.now();
  await lastValueFrom(
    range(0, numIterations).pipe(
      concatMap(() => ppoIteration(agent.collector, agent.shuffleRng, config)),
      toArray(),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  const params = agent.engine.getParams();
  const engine = engineLabel(agent.engine);
  await agent.dispose();
  return { seconds, phases, params, steps: agent.collector.globalStep, engine };
}

/** The engine's name, with its gpu.js backend when it has one. */
function engineLabel(engine: PolicyEngine): string {
  return engine.backend === undefined ? engine.engine : `${engine.engine} (${engine.backend})`;
}

/** The same algorithm as a plain loop: no RxJS, same engine, env, generators and order of draws. */
async function runLoop(config: PpoConfig) {
  const agent = await createAgent(config);
  const phases = instrument(agent);
  const { collector, engine, shuffleRng } = agent;
  const { numIterations, batchSize, minibatchSize } = derivedSizes(config);
  const { numSteps, numEnvs } = config;
  const obsDim = collector.obsDim;
  const actionDim = collector.actionDim;
  const rows = batchSize;
  const obs = new Float32Array(rows * obsDim);
  const actions = new Float32Array(rows * actionDim);
  const logProbs = new Float32Array(rows);
  const values = new Float32Array(rows);
  const rewards = new Float32Array(rows);
  const terminated = new Uint8Array(rows);
  const truncated = new Uint8Array(rows);
  const finalObs = new Float32Array(rows * obsDim);
  const mb: MinibatchData = {
    size: minibatchSize,
    obs: new Float32Array(minibatchSize * obsDim),
    actions: new Float32Array(minibatchSize * actionDim),
    oldLogProbs: new Float32Array(minibatchSize),
    advantages: new Float32Array(minibatchSize),
    returns: new Float32Array(minibatchSize),
    oldValues: new Float32Array(minibatchSize),
  };
  const start = performance.now();
  for (let iteration = 0; iteration < numIterations; iteration++) {
    let last: StepBatch | undefined;
    for (let t = 0; t < numSteps; t++) {
      const step = await collector.step();
      obs.set(step.obs, t * numEnvs * obsDim);
      finalObs.set(step.finalObs, t * numEnvs * obsDim);
      actions.set(step.actions, t * numEnvs * actionDim);
      logProbs.set(step.logProbs, t * numEnvs);
      values.set(step.values, t * numEnvs);
      rewards.set(step.rewards, t * numEnvs);
      terminated.set(step.terminated, t * numEnvs);
      truncated.set(step.truncated, t * numEnvs);
      last = step;
    }
    const bootstrapRows: number[] = [];
    for (let i = 0; i < rows; i++) if (truncated[i] && !terminated[i]) bootstrapRows.push(i);
    const count = bootstrapRows.length + numEnvs;
    const bootstrapObs = new Float32Array(count * obsDim);
    bootstrapRows.forEach((row, k) =>
      bootstrapObs.set(finalObs.subarray(row * obsDim, (row + 1) * obsDim), k * obsDim)
    );
    bootstrapObs.set(last!.nextObs, bootstrapRows.length * obsDim);
    const bootstrapValues = new Float32Array(count);
    await engine.values(bootstrapObs, count, bootstrapValues);
    const finalValues = new Float32Array(rows);
    bootstrapRows.forEach((row, k) => finalValues[row] = bootstrapValues[k]!);
    const { advantages, returns } = gae({
      numSteps,
      numEnvs,
      rewards,
      values,
      terminated,
      truncated,
      finalValues,
      nextValues: bootstrapValues.subarray(bootstrapRows.length),
    }, { gamma: config.gamma, gaeLambda: config.gaeLambda });
    const frac = config.annealLr ? 1 - iteration / numIterations : 1;
    for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
      const permutation = shuffleRng.shuffle(Int32Array.from({ length: rows }, (_, i) => i));
      for (let start = 0; start < rows; start += minibatchSize) {
        for (let k = 0; k < minibatchSize; k++) {
          const row = permutation[start + k]!;
          mb.obs.set(obs.subarray(row * obsDim, (row + 1) * obsDim), k * obsDim);
          mb.actions.set(actions.subarray(row * actionDim, (row + 1) * actionDim), k * actionDim);
          mb.oldLogProbs[k] = logProbs[row]!;
          mb.advantages[k] = advantages[row]!;
          mb.returns[k] = returns[row]!;
          mb.oldValues[k] = values[row]!;
        }
        await engine.trainStep(mb, {
          learningRate: frac * config.learningRate,
          clipCoef: config.clipCoef,
          clipVloss: config.clipVloss,
          entCoef: config.entCoef,
          vfCoef: config.vfCoef,
          maxGradNorm: config.maxGradNorm,
          normAdv: config.normAdv,
          adamEps: config.adamEps,
        });
      }
    }
    collector.policyVersion = iteration + 1;
  }
  const seconds = (performance.now() - start) / 1000;
  const params = engine.getParams();
  await agent.dispose();
  return { seconds, phases, params, steps: collector.globalStep };
}

function report(
  name: string,
  r: { seconds: number; phases: Phases; steps: number },
  updateFlops: number,
): void {
  const total = r.seconds * 1000;
  const { env, inference, advantage, update } = r.phases;
  const plumbing = total - env - inference - advantage - update;
  const pct = (ms: number) => `${(100 * ms / total).toFixed(1)}%`.padStart(7);
  console.log(
    `${name.padEnd(10)} SPS ${Math.round(r.steps / r.seconds).toLocaleString("en-US").padStart(7)} | env ${
      pct(env)
    } | inference ${pct(inference)} | advantage ${pct(advantage)} | update ${pct(update)} | plumbing ${
      pct(plumbing)
    } | update ${(updateFlops / (update / 1000) / 1e9).toFixed(2)} GFLOP/s`,
  );
}

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      agent: { type: "string", default: "cartpole" },
      engine: { type: "string", default: "auto" },
      backend: { type: "string", default: "auto" },
      baseline: { type: "string", default: "reference" },
      "total-timesteps": { type: "string" },
      seed: { type: "string", default: "1" },
    },
  });
  const lunar = values.agent === "lunar";
  if (!lunar && values.agent !== "cartpole") {
    throw new RangeError(
      `Cannot bench as --agent must be cartpole or lunar: current value is ${values.agent}`,
    );
  }
  // CleanRL's ppo.py hyperparameters exactly (no preset), or the seed article's agent: 4 envs x 128 steps,
  // 4 epochs x 4 minibatches, a shared 1024-1024 ReLU trunk, 2e6 steps in the article.
  const config = resolveConfig({
    envId: lunar ? "LunarLander-v3" : "CartPole-v1",
    seed: Number(values.seed),
    totalTimesteps: Number(values["total-timesteps"] ?? (lunar ? 1024 : 100_000)),
    engine: values.engine as EngineChoice,
    backend: values.backend as BackendChoice,
    ...(lunar ? { hidden: [1024, 1024], sharedNetwork: true, activation: "relu" as const } : {}),
  });
  const { numIterations, batchSize } = derivedSizes(config);
  const rowFlops = lunar
    ? mlpFlops([8, 1024, 1024]) + mlpFlops([1024, 4]) + mlpFlops([1024, 1])
    : mlpFlops([4, 64, 64, 2]) + mlpFlops([4, 64, 64, 1]);
  const updateFlops = numIterations * config.updateEpochs * batchSize * rowFlops;
  console.log(
    `bench:train: ${config.envId}, ${
      lunar ? "the seed article's agent (shared 1024-1024 ReLU trunk)" : "CleanRL hyperparameters"
    } (${config.numEnvs} envs x ${config.numSteps} steps, ${config.updateEpochs} epochs x ${config.numMinibatches} minibatches), ${
      numIterations * batchSize
    } steps, seed ${config.seed}, engine ${config.engine}, backend ${config.backend}\n`,
  );
  if (lunar) return await benchLunarAgent(config, values.baseline);
  // Warm both paths up on a short budget so neither pays the JIT's start-up, then alternate two measured runs
  // of each and keep the faster (the machine has two cores shared with everything else).
  const warmup = { ...config, totalTimesteps: 8 * batchSize };
  const chosen = (await runPipeline(warmup)).engine;
  if (config.engine === "auto" && config.backend === "auto") {
    const probe = await createAgent(warmup);
    console.log(`auto chose ${chosen}: ${(await chooseEngine(probe.layout)).reason}\n`);
    await probe.dispose();
  }
  await runLoop(warmup);
  const baselineConfig = values.baseline === "none"
    ? undefined
    : resolveConfig({ ...config, engine: values.baseline as EngineChoice, backend: "auto" });
  if (baselineConfig) await runPipeline({ ...baselineConfig, totalTimesteps: 8 * batchSize });
  const pipelineRuns = [];
  const loopRuns = [];
  const baselineRuns = [];
  for (let i = 0; i < 2; i++) {
    pipelineRuns.push(await runPipeline(config));
    loopRuns.push(await runLoop(config));
    if (baselineConfig) baselineRuns.push(await runPipeline(baselineConfig));
  }
  const fastest = <T extends { seconds: number }>(runs: T[]) =>
    runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const pipeline = fastest(pipelineRuns);
  const loop = fastest(loopRuns);
  report("pipeline", pipeline, updateFlops);
  report("loop", loop, updateFlops);
  const baseline = baselineRuns.length > 0 ? fastest(baselineRuns) : undefined;
  if (baseline) report("baseline", baseline, updateFlops);
  const overhead = 100 * (pipeline.seconds / loop.seconds - 1);
  const same = pipeline.params.every((v, i) => v === loop.params[i]);
  console.log(
    `\npipeline overhead vs hand-written loop: ${overhead.toFixed(1)}% (target < 5%); final parameters ${
      same ? "identical" : "DIFFER"
    }`,
  );
  if (baseline) {
    const same = baseline.params.every((v, i) => v === pipeline.params[i]);
    console.log(
      `pipeline (${pipeline.engine}) / baseline (${baseline.engine}) SPS in this run: ${
        (baseline.seconds / pipeline.seconds).toFixed(2)
      }x; final parameters ${same ? "identical" : "differ"}`,
    );
  }
  console.log(
    `pipeline SPS / CleanRL's 3,700 SPS on this machine: ${
      (pipeline.steps / pipeline.seconds / 3700).toFixed(2)
    }x`,
  );
}

/**
 * The 1M-parameter agent is too slow on the reference engine for several rounds: one warm-up iteration, one
 * measured run of each engine, and the article's 2e6 steps projected from the measured SPS.
 */
async function benchLunarAgent(config: PpoConfig, baselineName: string | undefined): Promise<void> {
  const { batchSize } = derivedSizes(config);
  const rowFlops = mlpFlops([8, 1024, 1024]) + mlpFlops([1024, 4]) + mlpFlops([1024, 1]);
  const flopsOf = (run: { steps: number }) =>
    (run.steps / batchSize) * config.updateEpochs * batchSize * rowFlops;
  await runPipeline({ ...config, totalTimesteps: batchSize });
  const pipeline = await runPipeline(config);
  report("pipeline", pipeline, flopsOf(pipeline));
  const sps = pipeline.steps / pipeline.seconds;
  if (baselineName !== "none") {
    const baselineConfig = resolveConfig({
      ...config,
      totalTimesteps: batchSize,
      engine: baselineName as EngineChoice,
      backend: "auto",
    });
    const baseline = await runPipeline(baselineConfig);
    report("baseline", baseline, flopsOf(baseline));
    console.log(
      `\npipeline (${pipeline.engine}) / baseline (${baseline.engine}) SPS in this run: ${
        (sps / (baseline.steps / baseline.seconds)).toFixed(2)
      }x`,
    );
  }
  console.log(`the article's 2e6 steps at ${sps.toFixed(0)} SPS: ${(2e6 / sps / 3600).toFixed(2)} hours`);
}

if (import.meta.main) await main(Deno.args);
