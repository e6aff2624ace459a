import assert from "node:assert/strict";
import { take } from "rxjs";
import { advantage } from "../../src/operators/advantage.ts";
import { episodeRollout } from "../../src/operators/episode_rollout.ts";
import { policyThenValue, type PolicyThenValueResult } from "../../src/operators/policy_then_value.ts";
import { ppoUpdate } from "../../src/operators/ppo_update.ts";
import { recomputeAdvantages } from "../../src/operators/recompute_advantages.ts";
import { rewardsToGoAdvantage } from "../../src/operators/rewards_to_go_advantage.ts";
import { rollout } from "../../src/operators/rollout.ts";
import { runningRewardStop } from "../../src/operators/running_reward_stop.ts";
import { tdAdvantage } from "../../src/operators/td_advantage.ts";
import type { UpdateResult } from "../../src/operators/types.ts";
import { train } from "../../src/train/train.ts";

/** One env, updates on the whole batch: the tutorials' setting. */
const ONE_ENV = {
  numEnvs: 1,
  numSteps: 32,
  numMinibatches: 1,
  updateEpochs: 2,
  totalTimesteps: 32 * 4,
  engine: "reference",
} as const;

Deno.test("train() with whole-episode rollouts and rewards-to-go stages (the PyTorch tutorial's batches)", async () => {
  const run = await train(ONE_ENV, {
    writeFiles: false,
    stages: {
      collect: (context) =>
        context.steps(Number.MAX_SAFE_INTEGER).pipe(episodeRollout({ minSteps: 32 }), take(1)),
      advantage: ({ engine, config }) =>
        rewardsToGoAdvantage(engine, { gamma: config.gamma, bootstrap: false }),
    },
  });
  const batches: { steps: number; lastDone: number; episodeSteps: number }[] = [];
  run.updates$.subscribe((u) => {
    if (!u.final) return;
    const { batch } = u;
    const last = batch.numSteps - 1;
    batches.push({
      steps: batch.numSteps,
      lastDone: batch.terminated[last]! | batch.truncated[last]!,
      episodeSteps: batch.episodes.reduce((sum, e) => sum + e.length, 0),
    });
  });
  const summary = await run.done;
  assert.equal(summary.iterations, 4);
  assert.equal(batches.length, 4);
  for (const b of batches) {
    assert.ok(b.steps >= 32);
    assert.equal(b.lastDone, 1);
    assert.equal(b.episodeSteps, b.steps); // whole episodes only
  }
  assert.equal(summary.globalStep, batches.reduce((sum, b) => sum + b.steps, 0));
});

Deno.test("train() with T-step-or-episode-end rollouts, TD(0) targets, per-epoch GAE and a running-reward stop (the numpy tutorial)", async () => {
  const run = await train({ ...ONE_ENV, totalTimesteps: 20 * 200 }, {
    writeFiles: false,
    stages: {
      collect: (context) => context.steps(20).pipe(episodeRollout({ maxSteps: 20 })),
      advantage: ({ engine, config }) => tdAdvantage(engine, { gamma: config.gamma }),
      update: ({ engine, collector, config }) =>
        recomputeAdvantages(
          engine,
          ppoUpdate(collector, {
            learningRate: config.learningRate,
            clipCoef: config.clipCoef,
            clipVloss: false,
            entCoef: 0,
            vfCoef: config.vfCoef,
            maxGradNorm: config.maxGradNorm,
            normAdv: config.normAdv,
          }),
          { gamma: config.gamma, gaeLambda: config.gaeLambda },
        ),
    },
  });
  const lengths: number[] = [];
  run.updates$.subscribe((u) => u.final && lengths.push(u.batch.numSteps));
  run.episodes$.pipe(runningRewardStop({ threshold: 3 })).subscribe((r) => {
    if (r.solved) void run.stop();
  });
  const summary = await run.done;
  assert.equal(summary.stopped, true);
  assert.ok(lengths.every((n) => n >= 1 && n <= 20));
  assert.ok(lengths.some((n) => n < 20), "some rollouts end with an episode");
});

Deno.test("train() with an iteration of a policy loop then a value loop (the Keras tutorial)", async () => {
  const run = await train(ONE_ENV, {
    writeFiles: false,
    iteration: ({ steps, collector, engine, config }) =>
      steps(config.numSteps).pipe(
        rollout({ numSteps: config.numSteps }),
        advantage(engine, { gamma: config.gamma, gaeLambda: 0.97 }),
        policyThenValue(collector, {
          learningRate: 3e-4,
          criticLearningRate: 1e-3,
          policyIterations: 5,
          valueIterations: 3,
          targetKl: 0.01,
          clipCoef: 0.2,
          clipVloss: false,
          entCoef: 0,
          vfCoef: 1,
          maxGradNorm: Infinity,
          normAdv: true,
        }),
      ),
  });
  const updates: UpdateResult[] = [];
  run.updates$.subscribe((u) => updates.push(u));
  const summary = await run.done;
  assert.equal(summary.iterations, 4);
  const parts = (updates as PolicyThenValueResult[]).map((u) => u.part[0]).join("");
  // Each iteration: 1 to 5 policy steps, then exactly 3 value steps.
  assert.match(parts, /^(a{1,5}ccc){4}$/);
  assert.equal(summary.lastMetrics?.["losses/value_loss"] !== undefined, true);
});
