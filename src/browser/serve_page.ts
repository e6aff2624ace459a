/**
 * A static file server for the browser build (Deno only; not part of the browser bundle).
 *
 * @module
 */

/** Options of {@linkcode servePage}. */
export interface ServePageOptions {
  /** Port to listen on; 0 picks a free one. @default {8000} */
  readonly port?: number;
  /** Interface to listen on. @default {"127.0.0.1"} */
  readonly hostname?: string;
}

/** A running page server. */
export interface PageServer {
  /** The page's address, e.g. `http://127.0.0.1:8000/`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  safetensors: "application/octet-stream",
};

/**
 * Serves the files of one directory (no listing, nothing outside it) read-only over HTTP: what `deno task play`
 * runs on the build of `deno task bundle`. `/` is `index.html`.
 *
 * @param dir The directory, e.g. `runs/browser`.
 * @param options Port and interface.
 * @returns The server; close it when done.
 *
 * @example
 * ```ts ignore
 * const server = servePage("runs/browser", { port: 0 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export function servePage(dir: string, options: ServePageOptions = {}): PageServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot serve the page as port must be an integer in [0, 65535]: current value is ${port}`,
    );
  }
  const server = Deno.serve({ hostname, port, onListen: () => {} }, async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed", { status: 405 });
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(request.url).pathname);
    } catch {
      return new Response("not found", { status: 404 });
    }
    const name = path === "/" ? "index.html" : path.slice(1);
    // One level, plain names only: nothing outside the directory can be asked for.
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith(".")) {
      return new Response("not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(`${dir}/${name}`);
      const type = TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";
      return new Response(request.method === "HEAD" ? null : body, {
        headers: { "content-type": type, "cache-control": "no-store" },
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) {
        return new Response("not found", { status: 404 });
      }
      throw error;
    }
  });
  const address = server.addr as Deno.NetAddr;
  return {
    url: `http://${hostname}:${address.port}/`,
    async close() {
      await server.shutdown();
    },
  };
}
