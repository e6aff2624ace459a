import type { Subscription } from "rxjs";
import type { Observable } from "../_rxjs.ts";
import type { VecEnvState } from "../envs/vec_env.ts";
import type { IterationMetrics, StepBatch } from "../operators/types.ts";
import { renderers } from "../render/_registry.ts";
import { captureState } from "../render/_capture.ts";
import { EnvMirror } from "../render/_env_mirror.ts";
import { DASHBOARD_PAGE } from "./_page.ts";

/** What {@linkcode serveDashboard} shows of a training run (`train()`'s `Run` fits). */
export interface DashboardRun {
  /** The environment (its id names the renderer) and whether continuous actions are clipped. */
  readonly config: { readonly envId: string; readonly clipActions: boolean };
  /** Shown in the page header. */
  readonly runDir: string | null;
  /** The engine, shown in the page header. */
  readonly engine: string;
  /** The gpu.js backend of the `gpujs` engine, shown beside it; absent on the other engines. */
  readonly backend?: string;
  /** One record per iteration, charted. */
  readonly iterations$: Observable<IterationMetrics>;
  /** Every vector step, for the view of env 0. */
  readonly steps$: Observable<StepBatch>;
  /** The envs' snapshot, to start the copy of env 0 from. */
  envStates(): VecEnvState | null;
}

/** Options of {@linkcode serveDashboard}. */
export interface DashboardOptions {
  /** TCP port; 0 picks a free one. @default {8080} */
  readonly port?: number;
  /**
   * Interface to listen on. Anything but loopback exposes the dashboard to the network. Requests must name it in
   * their `Host` header (loopback also answers to `localhost`, `127.0.0.1` and `[::1]`; all interfaces, `0.0.0.0`
   * or `::`, also to any IP address), so that a web page cannot reach it through a domain rebound to it.
   * @default {"127.0.0.1"}
   */
  readonly hostname?: string;
  /** Least milliseconds between two frames of env 0 sent to the page. @default {100} */
  readonly frameInterval?: number;
  /** Milliseconds clock for the frame throttle. @default {performance.now} */
  readonly clock?: () => number;
}

/** A dashboard being served. */
export interface Dashboard {
  /** The page's address, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** The interface listened on. */
  readonly hostname: string;
  /** The port listened on (the one picked when asked for 0). */
  readonly port: number;
  /** Ends every page's event stream and stops the server. */
  close(): Promise<void>;
}

interface Client {
  readonly controller: ReadableStreamDefaultController<Uint8Array>;
}

const encoder = new TextEncoder();
const HEARTBEAT_MS = 15_000;

/**
 * Serves a live dashboard of a training run: charts of the episodic return, losses, KL, clip fraction,
 * explained variance and SPS, and env 0 playing, pushed to the page with server-sent events (`/events`).
 *
 * It's like TensorBoard pointed at a run, but fed by the run's own streams while it trains. Any number of
 * tabs may watch: each gets the iterations so far, then live ones. Closing a tab only drops its stream, and a
 * slow tab misses frames, never metrics. Frames of env 0 are drawn (SVG) only while a page is open, at most
 * one per `frameInterval`, from a copy of env 0 that follows its actions. Requests whose `Host` header names
 * another server get 403, which stops web pages from reaching the dashboard through DNS rebinding.
 *
 * @param run The run (`train()`'s result), right after `train()` resolves.
 * @param options Port, interface and frame rate.
 * @returns The dashboard; `close()` it when done.
 * @throws {Deno.errors.AddrInUse} When the port is taken ("Cannot start dashboard as port 8080 is in use").
 * @throws {RangeError} When the port or frame interval is out of range.
 *
 * @example
 * ```ts ignore
 * const run = await train({ envId: "CartPole-v1" });
 * const dashboard = serveDashboard(run, { port: 8080 });
 * console.log(`open ${dashboard.url}`);
 * await run.done;
 * await dashboard.close();
 * ```
 */
export function serveDashboard(run: DashboardRun, options: DashboardOptions = {}): Dashboard {
  const port = options.port ?? 8080;
  const hostname = options.hostname ?? "127.0.0.1";
  const frameInterval = options.frameInterval ?? 100;
  const clock = options.clock ?? (() => performance.now());
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot start dashboard as port must be an integer in [0, 65535]: current value is ${port}`,
    );
  }
  if (!(frameInterval >= 0) || !Number.isFinite(frameInterval)) {
    throw new RangeError(
      `Cannot start dashboard as frameInterval must be a non-negative number: current value is ${frameInterval}`,
    );
  }
  const snapshot = run.envStates();
  const envId = snapshot?.id ?? run.config.envId;
  const renderer = renderers.get(envId) ?? null;
  const history: string[] = [];
  const clients = new Set<Client>();
  let finished: string | null = null;
  let lastFrame = -Infinity;

  const send = (client: Client, chunk: Uint8Array, droppable: boolean) => {
    const desired = client.controller.desiredSize;
    if (droppable && desired !== null && desired <= 0) return;
    try {
      client.controller.enqueue(chunk);
    } catch {
      clients.delete(client);
    }
  };
  const broadcast = (text: string, droppable = false) => {
    const chunk = encoder.encode(text);
    for (const client of clients) send(client, chunk, droppable);
  };

  const subscriptions: Subscription[] = [
    run.iterations$.subscribe({
      next(metrics) {
        const event = `event: metrics\ndata: ${JSON.stringify(metrics)}\n\n`;
        history.push(event);
        broadcast(event);
      },
      error(error) {
        finished = `event: done\ndata: ${JSON.stringify({ error: String(error) })}\n\n`;
        broadcast(finished);
      },
      complete() {
        finished = `event: done\ndata: ${JSON.stringify({ error: null })}\n\n`;
        broadcast(finished);
      },
    }),
  ];
  if (renderer !== null) {
    // A copy of env 0 follows it while a page is open (one env step per vector step), so drawing a frame never
    // replays an episode (LunarLander's snapshots are replay records) nor reads the other envs.
    const mirror = new EnvMirror(envId, run.config.clipActions);
    subscriptions.push(run.steps$.subscribe((step) => {
      if (clients.size === 0) {
        mirror.synced = false;
        return;
      }
      if (mirror.synced) mirror.follow(step);
      if (!mirror.synced) {
        const env0 = run.envStates()?.envs[0];
        if (env0 === undefined) return;
        mirror.sync(env0);
      }
      const now = clock();
      if (now - lastFrame < frameInterval) return;
      lastFrame = now;
      const action = step.actions.slice(0, step.actionDim);
      const svg = renderer.frame(captureState(renderer, mirror.env), {
        caption: `step ${step.globalStep + step.numEnvs}`,
        action,
      });
      broadcast(`event: frame\ndata: ${JSON.stringify(svg)}\n\n`, true);
    }));
  }

  const hello = JSON.stringify({
    envId,
    engine: run.engine,
    backend: run.backend ?? null,
    runDir: run.runDir,
    renderer: renderer !== null,
    frameInterval,
  });
  const events = () => {
    let client: Client;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        client = { controller };
        controller.enqueue(
          encoder.encode(`retry: 1000\nevent: hello\ndata: ${hello}\n\n${history.join("")}`),
        );
        if (finished !== null) controller.enqueue(encoder.encode(finished));
        clients.add(client);
      },
      cancel() {
        clients.delete(client);
      },
    }, { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  };

  const abort = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  // Known once listening (the port may be picked then); no request is handled before.
  let hostCheck: HostCheck | null = null;
  try {
    server = Deno.serve({ hostname, port, signal: abort.signal, onListen() {} }, (request) => {
      const host = request.headers.get("host");
      if (hostCheck === null || !hostCheck.allows(host)) {
        return new Response(
          `Cannot serve dashboard as the Host header must name this server (${hostCheck?.expected}): current value is ${
            JSON.stringify(host)
          }`,
          { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } },
        );
      }
      const path = new URL(request.url).pathname;
      if (request.method !== "GET") return new Response("method not allowed", { status: 405 });
      if (path === "/") {
        return new Response(DASHBOARD_PAGE, {
          headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        });
      }
      if (path === "/events") return events();
      return new Response("not found", { status: 404 });
    });
  } catch (error) {
    for (const subscription of subscriptions) subscription.unsubscribe();
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Deno.errors.AddrInUse(
        `Cannot start dashboard as port ${port} is in use: current value is ${port}`,
      );
    }
    throw error;
  }
  const heartbeat = setInterval(() => broadcast(": keep-alive\n\n", true), HEARTBEAT_MS);
  const address = server.addr;
  const urlHost = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  hostCheck = new HostCheck([hostname, address.hostname], address.port);
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}/`,
    hostname: address.hostname,
    port: address.port,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        for (const subscription of subscriptions) subscription.unsubscribe();
        for (const client of clients) {
          try {
            client.controller.close();
          } catch {
            // Already closed by the page.
          }
        }
        clients.clear();
        abort.abort();
        await server.finished;
      })();
      return closing;
    },
  };
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARD_ADDRESSES = ["0.0.0.0", "[::]"];

/**
 * Decides whether a request's `Host` header names the dashboard. A DNS-rebinding page sends its own domain; an
 * IP address cannot be rebound, so one is fine on a server listening on all interfaces.
 */
class HostCheck {
  /** What the 403 tells the user to use. */
  readonly expected: string;
  #names: Set<string>;
  #anyAddress: boolean;
  #port: string;

  constructor(hostnames: readonly string[], port: number) {
    const names = hostnames.map((name) => bracketed(name.toLowerCase()));
    this.#anyAddress = names.some((name) => WILDCARD_ADDRESSES.includes(name));
    const loopback = this.#anyAddress || names.some((name) => LOOPBACK_NAMES.includes(name));
    this.#names = new Set(loopback ? [...names, ...LOOPBACK_NAMES] : names);
    this.#port = String(port);
    this.expected = this.#anyAddress ? `localhost or an IP address, port ${port}` : `${names.at(-1)}:${port}`;
  }

  allows(host: string | null): boolean {
    const match = host === null ? null : /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host.toLowerCase());
    if (match === null) return false;
    const [, name, port] = match;
    // A browser leaves out the port only when it is the scheme's default.
    if ((port ?? "80") !== this.#port) return false;
    return this.#names.has(name!) || (this.#anyAddress && isIpAddress(name!));
  }
}

function bracketed(hostname: string): string {
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

function isIpAddress(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/.test(name);
}
