/**
 * `deno task bundle [--no-minify]`: builds ppo-flow for browsers with Deno's bundler (esbuild, platform
 * browser, ES modules, code splitting) into runs/browser, and prints a size report:
 *
 * - `ppo-flow.js`: the library (`src/browser/mod.ts`), with no Deno API at import time; the chunks it imports
 *   load with it, and gpu.js's chunk only when the `gpujs` engine is created;
 * - `index.html`, `page.js`, `_training_worker.js`: the training page that `deno task play` serves (any static
 *   host will do: the page asks for nothing outside its own folder).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runCli } from "./_run_cli.ts";

const USAGE = `Usage: deno task bundle [flags]

  --out-dir <dir>   where to write the build (default: runs/browser; the task may write only there)
  --no-minify       keep the bundles readable
  --help            this text`;

/** Entry points, and the names their bundles get (nothing imports an entry's file, so renaming is safe). */
const ENTRIES = [
  { entry: "src/browser/mod.ts", output: "mod.js", file: "ppo-flow.js", what: "the library" },
  { entry: "src/browser/page.ts", output: "page.js", file: "page.js", what: "the page's script" },
  {
    entry: "src/browser/_training_worker.ts",
    output: "_training_worker.js",
    file: "_training_worker.js",
    what: "the page's training worker",
  },
] as const;
const PAGE = "src/browser/index.html";

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The files a module's static imports load with it, itself included, and those its dynamic imports may load. */
function closure(
  file: string,
  code: ReadonlyMap<string, string>,
): { readonly eager: Set<string>; readonly lazy: Set<string> } {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const visit = (name: string, dynamic: boolean) => {
    if (eager.has(name) || (dynamic && lazy.has(name))) return;
    (dynamic ? lazy : eager).add(name);
    const text = code.get(name) ?? "";
    for (const match of text.matchAll(/(import\s*\(\s*|from\s*|import\s*)["']\.\/([^"']+\.js)["']/g)) {
      visit(match[2]!, dynamic || match[1]!.includes("("));
    }
  };
  visit(file, false);
  for (const name of eager) lazy.delete(name);
  return { eager, lazy };
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "out-dir": { type: "string", default: "runs/browser" },
      "no-minify": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const outDir = values["out-dir"];
  const result = await Deno.bundle({
    entrypoints: ENTRIES.map(({ entry }) => entry),
    outputDir: outDir,
    platform: "browser",
    format: "esm",
    codeSplitting: true,
    minify: !values["no-minify"],
    write: false,
  });
  if (!result.success || result.outputFiles === undefined) {
    console.error(`ppo-flow: cannot bundle:\n${result.errors.map((error) => error.text).join("\n")}`);
    return 1;
  }
  const renamed = new Map<string, string>(ENTRIES.map(({ output, file }) => [output, file]));
  const files = new Map<string, Uint8Array>();
  const code = new Map<string, string>();
  for (const output of result.outputFiles) {
    const name = output.path.slice(output.path.lastIndexOf("/") + 1);
    if (!name.endsWith(".js") || output.contents === undefined) continue;
    const text = new TextDecoder().decode(output.contents);
    // A browser cannot resolve Node's built-in modules: the bundler leaves such imports in place, so refuse them.
    const nodeImport = text.match(/(?:from|import)\s*\(?\s*["']node:[^"']+["']/);
    if (nodeImport !== null) {
      console.error(
        `ppo-flow: ${name} still imports a Node built-in a browser cannot load: ${nodeImport[0]}`,
      );
      return 1;
    }
    const file = renamed.get(name) ?? name;
    files.set(file, output.contents);
    code.set(file, text);
  }
  // Chunks of an earlier build would only confuse a static host: its JavaScript files go (nothing else is touched).
  await Deno.mkdir(outDir, { recursive: true });
  for await (const entry of Deno.readDir(outDir)) {
    if (entry.isFile && entry.name.endsWith(".js")) await Deno.remove(`${outDir}/${entry.name}`);
  }
  for (const [file, bytes] of files) await Deno.writeFile(`${outDir}/${file}`, bytes);
  await Deno.copyFile(PAGE, `${outDir}/index.html`);

  const sizeOf = async (names: Iterable<string>) => {
    const all = [...names].map((name) => files.get(name)!);
    const joined = new Uint8Array(all.reduce((sum, bytes) => sum + bytes.length, 0));
    let offset = 0;
    for (const bytes of all) {
      joined.set(bytes, offset);
      offset += bytes.length;
    }
    // Each file travels gzipped on its own: add up their gzip sizes.
    let gzip = 0;
    for (const bytes of all) gzip += await gzipSize(bytes);
    return { bytes: joined.length, gzip, files: all.length };
  };
  const report = [];
  for (const { file, what } of ENTRIES) {
    const { eager, lazy } = closure(file, code);
    report.push({ file, what, atImport: await sizeOf(eager), onDemand: await sizeOf(lazy) });
  }
  const total = await sizeOf(files.keys());
  await Deno.writeTextFile(
    `${outDir}/sizes.json`,
    JSON.stringify({ minified: !values["no-minify"], entries: report, total }, null, 2) + "\n",
  );
  console.log(
    `ppo-flow browser build in ${outDir}/ (${
      values["no-minify"] ? "not minified" : "minified"
    }, ${files.size} ` +
      `JavaScript files, ${kib(total.bytes)}, gzip ${kib(total.gzip)}):`,
  );
  for (const { file, what, atImport, onDemand } of report) {
    const lazy = onDemand.files === 0
      ? ""
      : `; ${kib(onDemand.bytes)} (gzip ${kib(onDemand.gzip)}) more on demand (other engines, gpu.js)`;
    console.log(
      `  ${file.padEnd(20)} ${kib(atImport.bytes).padStart(10)} (gzip ${
        kib(atImport.gzip).padStart(9)
      }) in ` +
        `${atImport.files} files at import${lazy}: ${what}`,
    );
  }
  return 0;
}

if (import.meta.main) await runCli(main);
