import assert from "node:assert/strict";
import { train } from "../../src/train/train.ts";
import { TINY } from "./_fixtures.ts";

const CHILD = new URL("./_resume_child.ts", import.meta.url).pathname;

/** Spawns a resume of `dir` and kills it (SIGKILL) as soon as it starts rewriting `metrics.jsonl`. */
async function killResumeMidRewrite(dir: string, originalSize: number): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-sys", "--allow-env", CHILD, dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const path = `${dir}/metrics.jsonl`;
  let seen = "nothing";
  for (let polls = 0; polls < 120_000 && seen === "nothing"; polls++) {
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name);
    if (names.some((name) => name.startsWith("metrics.jsonl.") && name.endsWith(".tmp"))) seen = "temporary";
    else if (Deno.statSync(path).size !== originalSize) seen = "in place";
    else await new Promise((resolve) => setTimeout(resolve, 0));
  }
  child.kill("SIGKILL");
  await child.status;
  return seen;
}

Deno.test("a resume killed while it rewrites a large metrics.jsonl leaves the file whole", async () => {
  const runsDir = await Deno.makeTempDir();
  try {
    const dir = `${runsDir}/big`;
    const run = await train(TINY, { runsDir, runName: "big" });
    run.iterations$.subscribe((m) => {
      if (m.iteration === 3) void run.stop();
    });
    await run.done;
    // A long run's history: many lines up to the checkpoint, then two it will redo (as after kill -9).
    const lines = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n");
    const history = Array.from({ length: 100_000 }, (_, i) => lines[i % 3]!).join("\n") + "\n";
    const redone = lines[2]!.replace('"iteration":3', '"iteration":4') + "\n";
    const original = history + redone + redone.replace('"iteration":4', '"iteration":5');
    await Deno.writeTextFile(`${dir}/metrics.jsonl`, original);

    const seen = await killResumeMidRewrite(dir, original.length);
    const after = await Deno.readTextFile(`${dir}/metrics.jsonl`);
    assert.ok(
      after === original || after === history,
      `killed after seeing ${seen}: ${original.length} bytes became ${after.length}`,
    );
    // The next resume cleans up and finishes the run.
    await (await train({}, { resume: dir })).done;
    const iterations = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n")
      .map((line) => JSON.parse(line).iteration as number);
    assert.equal(iterations.length, 100_000 + 3);
    assert.deepEqual(iterations.slice(-3), [4, 5, 6]);
    assert.deepEqual([...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".tmp")), []);
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});
