/**
 * `deno task play [--port 8000]`: builds the browser bundle (`deno task bundle`) and serves its training page on
 * 127.0.0.1, read-only, until interrupted. Open the address it prints; training runs in the page's Web Worker.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { servePage } from "../src/browser/serve_page.ts";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task play [flags]

  --port <n>     port on 127.0.0.1 (default: 8000; 0 picks a free one)
  --help         this text`;

/** The build \`deno task bundle\` writes; the task may read nothing else. */
const DIR = "runs/browser";

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "8000" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    await Deno.stat(`${DIR}/index.html`);
  } catch {
    console.error(`ppo-flow: ${DIR}/index.html is missing: run deno task bundle first`);
    return 1;
  }
  const server = servePage(DIR, { port: Number(values.port) });
  console.log(`ppo-flow: the training page is at ${server.url} (Ctrl-C stops)`);
  await new Promise<void>((resolve) => Deno.addSignalListener("SIGINT", () => resolve()));
  await server.close();
  return 0;
}

if (import.meta.main) await runCli(main);
