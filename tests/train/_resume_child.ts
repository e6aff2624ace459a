// Resumes the run directory given as the first argument, as `deno task train --resume` would; spawned by tests
// that kill a resume part-way.
import { train } from "../../src/train/train.ts";

const run = await train({}, { resume: Deno.args[0]! });
await run.done;
