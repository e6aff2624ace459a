import assert from "node:assert/strict";
import type { PpoConfig } from "../../src/config/ppo_config.ts";
import { Box } from "../../src/envs/box.ts";
import { defineEnv } from "../../src/envs/define_env.ts";
import { Discrete } from "../../src/envs/discrete.ts";
import type { AdvantageBatch, UpdateResult } from "../../src/operators/types.ts";
import { recipeFor, RECIPES, savedRecipe } from "../../src/recipes/mod.ts";
import { train } from "../../src/train/train.ts";
import { readMetrics, stopAt, withoutTiming, withRunsDir } from "../train/_fixtures.ts";

/** Each recipe on a tiny budget: 6 iterations of a few steps, small networks, on the reference engine. */
const TINY: Readonly<Record<string, Partial<PpoConfig>>> = {
  "numpy-cartpole": { totalTimesteps: 20 * 6, hidden: [16] },
  "keras-cartpole": { numSteps: 48, totalTimesteps: 48 * 6, updateEpochs: 3, hidden: [16, 16] },
  "pytorch-pendulum": { numSteps: 200, totalTimesteps: 200 * 6, hidden: [16, 16] },
  "keras-lunar-lander": {
    numEnvs: 2,
    numSteps: 32,
    totalTimesteps: 64 * 6,
    updateEpochs: 2,
    hidden: [16, 16],
  },
};

Deno.test("every recipe has a tiny budget here", () => {
  assert.deepEqual(Object.keys(TINY).sort(), Object.keys(RECIPES).sort());
});

for (const name of Object.keys(RECIPES)) {
  Deno.test(`${name}: a stopped run resumes its recipe and ends with the metrics of an uninterrupted one`, async () => {
    await withRunsDir(async (runsDir) => {
      const recipe = recipeFor(name);
      const config = { ...recipe.config, ...TINY[name], engine: "reference" } as const;
      const options = { runsDir, usePreset: false, checkpointEvery: 1, iteration: recipe.iteration };
      await (await train(config, { ...options, runName: "whole" })).done;
      const whole = withoutTiming(await readMetrics(`${runsDir}/whole`));
      assert.equal(whole.length, 6);

      const split = recipeFor(name);
      await stopAt(await train(config, { ...options, iteration: split.iteration, runName: "split" }), 3);
      const again = await savedRecipe(`${runsDir}/split`);
      assert.equal(again?.name, name);
      const resumed = await (await train({}, { resume: `${runsDir}/split`, iteration: again!.iteration }))
        .done;
      assert.equal(resumed.iterations, 6);
      assert.deepEqual(withoutTiming(await readMetrics(`${runsDir}/split`)), whole);
    });
  });
}

Deno.test("savedRecipe() keeps a recipe's bug options, and is null for a run without a recipe", async () => {
  await withRunsDir(async (runsDir) => {
    const recipe = recipeFor("pytorch-pendulum", { truncationAsTermination: true });
    const config = {
      ...recipe.config,
      ...TINY["pytorch-pendulum"],
      totalTimesteps: 200,
      engine: "reference",
    } as const;
    await (await train(config, { runsDir, runName: "bugs", usePreset: false, iteration: recipe.iteration }))
      .done;
    assert.deepEqual((await savedRecipe(`${runsDir}/bugs`))?.options, { truncationAsTermination: true });
    await (await train({ totalTimesteps: 512, engine: "reference" }, { runsDir, runName: "plain" })).done;
    assert.equal(await savedRecipe(`${runsDir}/plain`), null);
  });
});

Deno.test("recipeFor() refuses an unknown recipe or option, naming the known ones", () => {
  assert.throws(() => recipeFor("keras-pong"), /known: numpy-cartpole, keras-cartpole/);
  assert.throws(
    () => recipeFor("keras-cartpole", { staleFirstObservation: true }),
    /known: ignoreTruncation/,
  );
  assert.throws(() => recipeFor("numpy-cartpole", { ignoreTruncation: true }), /known: none/);
});

/** A pole that never falls: reward 1 a step, cut by a 5-step time limit. */
const NEVER_FALLS = defineEnv({
  id: "NeverFalls-v0",
  observationSpace: new Box(-1, 1, [4]),
  actionSpace: new Discrete(2),
  maxEpisodeSteps: 5,
  reset: () => ({ state: 0, obs: [0, 0, 0, 0] }),
  step: (t: number) => ({ state: t + 1, obs: [0, 0, 0, (t + 1) / 10], reward: 1, terminated: false }),
});

/** The batch of a run's first iteration. */
async function firstBatch(run: Awaited<ReturnType<typeof train>>): Promise<AdvantageBatch> {
  let batch: AdvantageBatch | undefined;
  run.updates$.subscribe((update: UpdateResult) => batch ??= update.batch);
  await run.done;
  return batch!;
}

Deno.test("keras-cartpole with ignoreTruncation plays through the time limit, changing a truncated step's target", async () => {
  const budget: Partial<PpoConfig> = {
    numSteps: 12,
    totalTimesteps: 12,
    updateEpochs: 1,
    hidden: [8],
    engine: "reference",
  };
  const fixed = recipeFor("keras-cartpole");
  const fixedRun = await train({ ...fixed.config, ...budget }, {
    writeFiles: false,
    usePreset: false,
    env: NEVER_FALLS,
    iteration: fixed.iteration,
  });
  const fixedBatch = await firstBatch(fixedRun);
  const buggy = recipeFor("keras-cartpole", { ignoreTruncation: true });
  const buggyRun = await train({ ...buggy.config, ...budget }, {
    writeFiles: false,
    usePreset: false,
    env: NEVER_FALLS,
    iteration: buggy.iteration,
  });
  const buggyBatch = await firstBatch(buggyRun);
  assert.deepEqual(fixedBatch.episodes.map((e) => e.length), [5, 5]);
  assert.deepEqual(buggyBatch.episodes, []);
  assert.equal(fixedBatch.truncated[4], 1);
  // The fixed target at the cut is 1 + gamma * V(final observation); the buggy one sums on into the next steps.
  assert.notEqual(fixedBatch.returns[4], buggyBatch.returns[4]);
});

Deno.test("pytorch-pendulum with truncationAsTermination ends the rewards-to-go at the time limit", async () => {
  const budget: Partial<PpoConfig> = {
    numSteps: 200,
    totalTimesteps: 200,
    updateEpochs: 1,
    hidden: [8],
    engine: "reference",
  };
  const batches: AdvantageBatch[] = [];
  for (const truncationAsTermination of [false, true]) {
    const recipe = recipeFor("pytorch-pendulum", { truncationAsTermination });
    const run = await train({ ...recipe.config, ...budget }, {
      writeFiles: false,
      usePreset: false,
      iteration: recipe.iteration,
    });
    batches.push(await firstBatch(run));
  }
  const [fixed, buggy] = batches as [AdvantageBatch, AdvantageBatch];
  assert.equal(fixed.truncated[199], 1);
  assert.equal(buggy.returns[199], buggy.rewards[199]);
  assert.notEqual(fixed.returns[199], fixed.rewards[199]);
  assert.deepEqual(fixed.rewards, buggy.rewards);
});

Deno.test("keras-lunar-lander's bug options: every rollout starts from the first observations; truncation ignored", async () => {
  const budget: Partial<PpoConfig> = {
    numEnvs: 2,
    numSteps: 8,
    totalTimesteps: 16 * 3,
    numMinibatches: 1,
    updateEpochs: 1,
    hidden: [8],
    maxEpisodeSteps: 6,
    engine: "reference",
  };
  const runWith = async (options: Readonly<Record<string, boolean>>) => {
    const recipe = recipeFor("keras-lunar-lander", options);
    const run = await train({ ...recipe.config, ...budget }, {
      writeFiles: false,
      usePreset: false,
      iteration: recipe.iteration,
    });
    const firsts: number[][] = [];
    const advantages: number[][] = [];
    run.updates$.subscribe((update) => {
      if (update.epoch !== 0 || update.index !== 0) return;
      firsts.push(Array.from(update.batch.obs.subarray(0, 16)));
      advantages.push(Array.from(update.batch.advantages));
    });
    await run.done;
    return { firsts, advantages };
  };
  const fixed = await runWith({});
  const stale = await runWith({ staleFirstObservation: true });
  const untruncated = await runWith({ ignoreTruncation: true });
  assert.notDeepEqual(fixed.firsts[1], fixed.firsts[0]);
  assert.deepEqual(stale.firsts[1], stale.firsts[0]);
  assert.deepEqual(stale.firsts[2], stale.firsts[0]);
  // The first rollout is the same (episodes of 6 steps cut at step 6); only the advantages at and before the cut move.
  assert.deepEqual(untruncated.firsts[0], fixed.firsts[0]);
  assert.notDeepEqual(untruncated.advantages[0], fixed.advantages[0]);
});

Deno.test("numpy-cartpole's follow() stops the run after the update of the episode that passes 195", async () => {
  // Each 5-step episode returns 5000: the running reward is 250 after the first one.
  const generous = defineEnv({
    id: "Generous-v0",
    observationSpace: new Box(-1, 1, [4]),
    actionSpace: new Discrete(2),
    maxEpisodeSteps: 5,
    reset: () => ({ state: 0, obs: [0, 0, 0, 0] }),
    step: (t: number) => ({ state: t + 1, obs: [0, 0, 0, 0], reward: 1000, terminated: false }),
  });
  const recipe = recipeFor("numpy-cartpole");
  const run = await train({ ...recipe.config, hidden: [8], engine: "reference" }, {
    writeFiles: false,
    usePreset: false,
    env: generous,
    iteration: recipe.iteration,
  });
  recipe.follow?.(run);
  const summary = await run.done;
  assert.equal(summary.stopped, true);
  assert.equal(summary.iterations, 1);
  assert.equal(summary.globalStep, 5);
});

Deno.test("keras-lunar-lander without its bug options trains exactly as train()'s default iteration", async () => {
  const recipe = recipeFor("keras-lunar-lander");
  const config = { ...recipe.config, ...TINY["keras-lunar-lander"], engine: "reference" } as const;
  const metrics = async (options: { iteration?: typeof recipe.iteration }) => {
    const run = await train(config, { writeFiles: false, usePreset: false, ...options });
    const seen: Awaited<ReturnType<typeof readMetrics>> = [];
    run.iterations$.subscribe((m) => seen.push(m));
    await run.done;
    return withoutTiming(seen);
  };
  assert.deepEqual(await metrics({ iteration: recipe.iteration }), await metrics({}));
});
