import assert from "node:assert/strict";

const TASK = new URL("../../tasks/train.ts", import.meta.url).pathname;

/** Runs `deno task train`'s script with the task's own permissions, writing under `runsDir`. */
async function trainTask(runsDir: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=.,${runsDir}`,
      `--allow-write=${runsDir}`,
      "--allow-sys=hostname",
      "--allow-net=127.0.0.1",
      TASK,
      "--runs-dir",
      runsDir,
      "--quiet",
      ...args,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

Deno.test("deno task train refuses every bad flag before it creates anything", async () => {
  const runsDir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${runsDir}/null.json`, "null\n");
    await Deno.writeTextFile(`${runsDir}/broken.json`, '{\n  "numEnvs": 4,\n  "seed": 1,,\n}\n');
    const cases: [string[], RegExp][] = [
      [["--record-every", "0"], /--record-every as it must be a positive integer: current value is "0"/],
      [["--record-every", "abc"], /--record-every as it must be a positive integer: current value is "abc"/],
      [["--checkpoint-every", "0"], /--checkpoint-every as it must be a positive integer/],
      [
        ["--dashboard", "--host", "0.0.0.0"],
        /Cannot serve the dashboard on 0\.0\.0\.0 as this task may only listen/,
      ],
      [["--dashboard", "--port", "70000"], /--port as it must be an integer from 0 to 65535/],
      [["--host", "127.0.0.1"], /Cannot use --host without --dashboard/],
      [["--run-name", ""], /runName must be a directory name .*current value is ""/],
      [["--run-name", "."], /runName must be a directory name/],
      [["--run-name", "a/b"], /runName must be a directory name .*"a\/b"/],
      [
        ["--config", `${runsDir}/null.json`],
        /null\.json as it must hold a JSON object .*current value is null/,
      ],
      [["--config", `${runsDir}/broken.json`], /broken\.json as it is not valid JSON at line 3, column/],
      [
        ["--resume", `${runsDir}/gone`, "--learning-rate", "0.1", "--seed", "2"],
        /Cannot resume .*gone with --runs-dir, --run-name, --learning-rate, --seed as a resumed run keeps/,
      ],
      [["--num-minibatches", "5"], /numMinibatches must be a divisor/],
      [
        ["--engine", "webasm"],
        /engine must be one of auto, gpujs, wasm, threaded, reference: current value is "webasm"/,
      ],
      [["--engine", "wasm", "--backend", "cpu"], /backend must be "auto" when engine is "wasm"/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await trainTask(runsDir, ["--run-name", "r", ...args]);
      assert.equal(code, 1, `${args.join(" ")}: ${stderr}`);
      assert.match(stderr, message, args.join(" "));
      const left = [...Deno.readDirSync(runsDir)].map((e) => e.name).filter((name) =>
        !name.endsWith(".json")
      );
      assert.deepEqual(left, [], `${args.join(" ")} left ${left.join(", ")}`);
    }
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});

Deno.test("deno task train --help lists every engine of the table with when auto picks it", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read=.", TASK, "--help"],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  const help = new TextDecoder().decode(stdout);
  const { ENGINES } = await import("../../src/model/engines.ts");
  for (const [name, entry] of Object.entries(ENGINES)) {
    assert.ok(help.includes(`  ${name.padEnd(12)}${entry.help}`), name);
    assert.ok(help.includes(`auto: ${entry.auto}`), name);
  }
  assert.match(
    help,
    /^ {2}--engine {18}engine that runs the networks: auto, gpujs, wasm, threaded, reference/m,
  );
  assert.match(help, /^ {2}--backend {17}gpu\.js backend of --engine gpujs.*auto, webgpu, webasm, cpu/m);
});
