/**
 * The training page's script: sends the form to the training worker and draws what it answers (env frames,
 * curves, progress). Everything heavy runs in the worker, so this thread stays free for the page. The page's
 * state is mirrored in `window.ppoFlow` and on `#stats` for scripts and tests.
 *
 * @module
 */
import type { PageMessage, WorkerMessage } from "./_messages.ts";
import type { BrowserEngineChoice } from "./browser_policy.ts";

// The DOM as far as this script uses it. The repository is type-checked as one program with Deno's library, and a
// `/// <reference lib="dom" />` here would change the web types (streams, events) of every other file in it.
/** An element of the page. */
interface PageElement {
  textContent: string | null;
  innerHTML: string;
  readonly dataset: Record<string, string | undefined>;
  disabled: boolean;
  value: string;
  checked: boolean;
  readonly files: ArrayLike<Blob & { readonly name: string }> | null;
  onclick: (() => void) | null;
  onchange: (() => void) | null;
  append(child: PageElement): void;
  click(): void;
}
/** A `<progress>`. */
interface PageProgress {
  value: number;
  max: number;
}
/** A `<canvas>`. */
interface PageCanvas extends PageElement {
  width: number;
  height: number;
  getContext(kind: "2d"): Canvas2d | null;
}
/** A `<a>`. */
interface PageLink extends PageElement {
  href: string;
  download: string;
}
/** The 2D drawing calls the charts make. */
interface Canvas2d {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  font: string;
  clearRect(x: number, y: number, width: number, height: number): void;
  fillText(text: string, x: number, y: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
}
/** The document. */
interface PageDocument {
  getElementById(id: string): PageElement | null;
  createElement(tag: "canvas"): PageCanvas;
  createElement(tag: "a"): PageLink;
}
const document = (globalThis as unknown as { readonly document: PageDocument }).document;

/** What the page shows, for scripts and tests (`window.ppoFlow`). */
interface PageState {
  state: "idle" | "starting" | "training" | "trained" | "playing" | "error";
  engine: string | null;
  engineReason: string | null;
  envId: string | null;
  globalStep: number;
  totalTimesteps: number;
  sps: number | null;
  iterations: number;
  episodes: number;
  meanReturn100: number | null;
  /** Greedy episodes played since Play was pressed. */
  played: { return: number; length: number }[];
  /** The last checkpoint downloaded or loaded. */
  checkpoint: string | null;
  /** Frames drawn so far. */
  frames: number;
  errors: string[];
}

/** The curves: a metric key, or the running 100-episode mean. */
const CHARTS: readonly { readonly key: string; readonly title: string }[] = [
  { key: "meanReturn100", title: "mean return (100 episodes)" },
  { key: "charts/episodic_return", title: "charts/episodic_return" },
  { key: "charts/SPS", title: "charts/SPS" },
  { key: "losses/value_loss", title: "losses/value_loss" },
  { key: "losses/entropy", title: "losses/entropy" },
  { key: "losses/approx_kl", title: "losses/approx_kl" },
];

const state: PageState = {
  state: "idle",
  engine: null,
  engineReason: null,
  envId: null,
  globalStep: 0,
  totalTimesteps: 0,
  sps: null,
  iterations: 0,
  episodes: 0,
  meanReturn100: null,
  played: [],
  checkpoint: null,
  frames: 0,
  errors: [],
};
(globalThis as unknown as { ppoFlow: PageState }).ppoFlow = state;

function element(id: string): PageElement {
  const found = document.getElementById(id);
  if (found === null) {
    throw new TypeError(`Cannot start the page as #${id} is missing: current value is null`);
  }
  return found;
}

const form = {
  env: element("env"),
  engine: element("engine"),
  seed: element("seed"),
  preset: element("preset"),
  steps: element("steps"),
  train: element("train"),
  stop: element("stop"),
  play: element("play"),
  download: element("download"),
  load: element("load"),
};
const view = element("view");
const stats = element("stats");

// Query parameters preset the form (`?env=CartPole-v1&preset=0&seed=1&engine=wasm&steps=100000`), so a link
// can describe a run.
const query = new URLSearchParams(location.search);
if (query.has("env")) form.env.value = query.get("env")!;
if (query.has("engine")) form.engine.value = query.get("engine")!;
if (query.has("seed")) form.seed.value = query.get("seed")!;
if (query.has("preset")) form.preset.checked = query.get("preset") !== "0";
if (query.has("steps")) form.steps.value = query.get("steps")!;

const series = new Map<string, number[]>(CHARTS.map(({ key }) => [key, []]));
const canvases = new Map<string, PageCanvas>();
for (const { key, title } of CHARTS) {
  const canvas = document.createElement("canvas");
  canvas.width = 320;
  canvas.height = 160;
  canvas.dataset.key = key;
  canvas.dataset.title = title;
  canvas.dataset.points = "0";
  element("charts").append(canvas);
  canvases.set(key, canvas);
  drawChart(key);
}

function drawChart(key: string): void {
  const canvas = canvases.get(key)!;
  const values = series.get(key)!;
  const context = canvas.getContext("2d")!;
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  context.fillStyle = "#333";
  context.font = "12px sans-serif";
  context.fillText(canvas.dataset.title ?? key, 6, 14);
  canvas.dataset.points = String(values.length);
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return;
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (high === low) {
    high += 1;
    low -= 1;
  }
  const top = 22;
  const bottom = height - 16;
  context.fillText(formatNumber(high), 6, top + 10);
  context.fillText(formatNumber(low), 6, bottom);
  context.strokeStyle = "#1f77b4";
  context.lineWidth = 1.5;
  context.beginPath();
  let started = false;
  values.forEach((value, i) => {
    if (!Number.isFinite(value)) return;
    const x = 60 + (values.length === 1 ? 0 : (i / (values.length - 1)) * (width - 70));
    const y = bottom - ((value - low) / (high - low)) * (bottom - top);
    if (started) context.lineTo(x, y);
    else context.moveTo(x, y);
    started = true;
  });
  context.stroke();
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 1000 || Math.abs(value) < 0.01 && value !== 0
    ? value.toExponential(2)
    : value.toFixed(2);
}

function show(): void {
  stats.dataset.state = state.state;
  stats.dataset.meanReturn100 = String(state.meanReturn100 ?? "");
  stats.dataset.globalStep = String(state.globalStep);
  stats.dataset.sps = String(state.sps ?? "");
  stats.dataset.engine = state.engine ?? "";
  element("state").textContent = state.state;
  element("engine-used").textContent = state.engine === null
    ? "-"
    : `${state.engine} (${state.engineReason})`;
  const progress = element("progress") as unknown as PageProgress;
  progress.max = Math.max(state.totalTimesteps, 1);
  progress.value = state.globalStep;
  element("step").textContent = `${state.globalStep} / ${state.totalTimesteps}`;
  element("sps").textContent = state.sps === null ? "-" : String(state.sps);
  element("iteration").textContent = String(state.iterations);
  element("mean").textContent = state.meanReturn100 === null ? "-" : state.meanReturn100.toFixed(2);
  element("episodes").textContent = String(state.episodes);
  const played = state.played;
  element("played").textContent = played.length === 0
    ? "-"
    : `${played.length}, mean return ${
      (played.reduce((a, b) => a + b.return, 0) / played.length).toFixed(1)
    } (last ${played[played.length - 1]!.return.toFixed(1)})`;
  element("checkpoint").textContent = state.checkpoint ?? "-";
  const busy = state.state === "starting" || state.state === "training";
  form.train.disabled = busy;
  form.stop.disabled = !(busy || state.state === "playing");
  form.play.disabled = busy || state.state === "idle" || state.state === "playing";
  form.download.disabled = state.state === "idle" || state.state === "starting" ||
    (state.state === "error" && state.checkpoint === null && state.iterations === 0);
}

function draw(svg: string): void {
  view.innerHTML = svg;
  state.frames++;
}

const worker = new Worker(new URL("./_training_worker.js", import.meta.url), { type: "module" });

function send(message: PageMessage, transfer: ArrayBuffer[] = []): void {
  worker.postMessage(message, transfer);
}

worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const message = event.data;
  switch (message.type) {
    case "started":
      state.state = "training";
      state.engine = message.engine;
      state.engineReason = message.reason;
      state.envId = message.envId;
      state.totalTimesteps = message.totalTimesteps;
      break;
    case "iteration": {
      const { metrics } = message;
      state.globalStep = metrics.global_step;
      state.sps = metrics["charts/SPS"];
      state.iterations = metrics.iteration;
      state.episodes = message.episodes;
      state.meanReturn100 = message.meanReturn100;
      for (const { key } of CHARTS) {
        const value = key === "meanReturn100"
          ? message.meanReturn100
          : (metrics as unknown as Record<string, number | undefined>)[key];
        if (value === undefined || value === null) continue;
        series.get(key)!.push(value);
        drawChart(key);
      }
      break;
    }
    case "frame":
      draw(message.svg);
      break;
    case "done":
      state.state = "trained";
      state.globalStep = message.globalStep;
      state.meanReturn100 = message.meanReturn100;
      break;
    case "played":
      draw(message.svg);
      if (message.ended) state.played.push({ return: message.episodeReturn, length: message.episodeLength });
      break;
    case "checkpoint": {
      const url = URL.createObjectURL(new Blob([message.bytes], { type: "application/octet-stream" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = message.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      state.checkpoint = message.name;
      break;
    }
    case "loaded":
      state.checkpoint = message.name;
      state.envId = message.envId;
      if (state.state === "idle" || state.state === "error") state.state = "trained";
      break;
    case "error":
      state.errors.push(message.message);
      element("error").textContent = state.errors.join("\n");
      if (state.state !== "playing") state.state = state.iterations > 0 ? "trained" : "error";
      break;
  }
  show();
};
worker.onerror = (event) => {
  event.preventDefault();
  state.errors.push(`worker: ${event.message}`);
  state.state = "error";
  element("error").textContent = state.errors.join("\n");
  show();
};

form.train.onclick = () => {
  for (const values of series.values()) values.length = 0;
  for (const { key } of CHARTS) drawChart(key);
  Object.assign(state, {
    state: "starting",
    engine: null,
    engineReason: null,
    globalStep: 0,
    sps: null,
    iterations: 0,
    episodes: 0,
    meanReturn100: null,
    played: [],
  });
  const steps = Number(form.steps.value);
  send({
    type: "train",
    envId: form.env.value,
    engine: form.engine.value as BrowserEngineChoice,
    seed: Number(form.seed.value),
    usePreset: form.preset.checked,
    ...(form.steps.value !== "" && steps > 0 ? { totalTimesteps: steps } : {}),
  });
  show();
};
form.stop.onclick = () => {
  if (state.state === "playing") {
    send({ type: "stopPlay" });
    state.state = "trained";
    show();
  } else {
    send({ type: "stop" });
  }
};
form.play.onclick = () => {
  state.played = [];
  state.state = "playing";
  send({ type: "play" });
  show();
};
form.download.onclick = () => send({ type: "download" });
form.load.onchange = async () => {
  const file = form.load.files?.[0];
  if (file === undefined) return;
  const bytes = await file.arrayBuffer();
  send({ type: "load", name: file.name, bytes }, [bytes]);
};
show();
