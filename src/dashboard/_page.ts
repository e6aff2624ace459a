/**
 * The dashboard's page: one self-contained HTML document (inline CSS and JavaScript, no network beyond its
 * own server) that listens to `/events` and draws the charts on canvases.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ppo-flow dashboard</title>
<style>
  body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 0; background: #f4f5f7; color: #222; }
  header { padding: 10px 16px; background: #1f2d3d; color: #fff; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header span { font-size: 14px; opacity: 0.9; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; padding: 12px; }
  section { background: #fff; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,0.12); padding: 8px; }
  section h2 { font-size: 13px; font-weight: 600; margin: 0 0 4px; }
  canvas { width: 100%; height: 200px; display: block; }
  #view { width: 100%; height: 240px; display: flex; align-items: center; justify-content: center; }
  #view svg { max-width: 100%; max-height: 240px; height: auto; }
  .legend { font-size: 11px; color: #555; }
  .legend b { display: inline-block; width: 10px; height: 3px; margin: 0 4px 2px 8px; vertical-align: middle; }
</style>
</head>
<body>
<header>
  <h1>ppo-flow</h1>
  <span id="env">connecting...</span>
  <span>iteration <b id="iterations">0</b></span>
  <span>step <b id="step">0</b></span>
  <span id="status">connecting</span>
</header>
<main>
  <section><h2>env 0 playing</h2><div id="view">waiting for a frame...</div></section>
  <section><h2>episodic return</h2><canvas data-keys="charts/episodic_return"></canvas></section>
  <section><h2>policy loss</h2><canvas data-keys="losses/policy_loss"></canvas></section>
  <section><h2>value loss</h2><canvas data-keys="losses/value_loss"></canvas></section>
  <section><h2>entropy</h2><canvas data-keys="losses/entropy"></canvas></section>
  <section><h2>KL</h2><canvas data-keys="losses/approx_kl,losses/old_approx_kl"></canvas></section>
  <section><h2>clip fraction</h2><canvas data-keys="losses/clipfrac"></canvas></section>
  <section><h2>explained variance</h2><canvas data-keys="losses/explained_variance"></canvas></section>
  <section><h2>steps per second</h2><canvas data-keys="charts/SPS"></canvas></section>
</main>
<script>
"use strict";
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];
let records = [];
const charts = Array.from(document.querySelectorAll("canvas[data-keys]")).map((canvas) => {
  const keys = canvas.dataset.keys.split(",");
  if (keys.length > 1) {
    const legend = document.createElement("div");
    legend.className = "legend";
    legend.innerHTML = keys.map((k, i) => '<b style="background:' + COLORS[i] + '"></b>' + k).join("");
    canvas.after(legend);
  }
  return { canvas, keys };
});

function ticks(min, max, count) {
  const raw = (max - min) / count || 1;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}
function label(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return +(v / 1e6).toPrecision(3) + "M";
  if (a >= 1e3) return +(v / 1e3).toPrecision(3) + "k";
  if (a !== 0 && a < 1e-3) return v.toExponential(0);
  return String(+v.toPrecision(3));
}
function draw(chart) {
  const { canvas, keys } = chart;
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio)) canvas.width = Math.round(w * ratio);
  if (canvas.height !== Math.round(h * ratio)) canvas.height = Math.round(h * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const series = keys.map((k) => records.filter((r) => typeof r[k] === "number" && isFinite(r[k])).map((r) => [r.global_step, r[k]]));
  const all = series.flat();
  canvas.dataset.points = String(series[0].length);
  const left = 52, right = w - 8, top = 6, bottom = h - 20;
  ctx.font = "10px system-ui, sans-serif";
  ctx.strokeStyle = "#ccc";
  ctx.strokeRect(left, top, right - left, bottom - top);
  if (all.length === 0) {
    ctx.fillStyle = "#999";
    ctx.fillText("waiting for data...", left + 8, top + 16);
    return;
  }
  let xMin = Math.min(...all.map((p) => p[0])), xMax = Math.max(...all.map((p) => p[0]));
  let yMin = Math.min(...all.map((p) => p[1])), yMax = Math.max(...all.map((p) => p[1]));
  if (xMin === xMax) { xMin -= 1; xMax += 1; }
  if (yMin === yMax) { const d = Math.abs(yMin) * 0.5 || 1; yMin -= d; yMax += d; }
  const sx = (v) => left + (v - xMin) / (xMax - xMin) * (right - left);
  const sy = (v) => bottom - (v - yMin) / (yMax - yMin) * (bottom - top);
  ctx.fillStyle = "#666";
  ctx.textAlign = "right";
  for (const t of ticks(yMin, yMax, 4)) {
    ctx.strokeStyle = "#eee";
    ctx.beginPath(); ctx.moveTo(left, sy(t)); ctx.lineTo(right, sy(t)); ctx.stroke();
    ctx.fillText(label(t), left - 4, sy(t) + 3);
  }
  ctx.textAlign = "center";
  for (const t of ticks(xMin, xMax, 4)) ctx.fillText(label(t), sx(t), bottom + 13);
  series.forEach((points, i) => {
    ctx.strokeStyle = COLORS[i];
    ctx.fillStyle = COLORS[i];
    ctx.lineWidth = 1.5;
    if (points.length === 1) { ctx.beginPath(); ctx.arc(sx(points[0][0]), sy(points[0][1]), 2.5, 0, 7); ctx.fill(); return; }
    ctx.beginPath();
    points.forEach((p, j) => (j === 0 ? ctx.moveTo(sx(p[0]), sy(p[1])) : ctx.lineTo(sx(p[0]), sy(p[1]))));
    ctx.stroke();
  });
}
let pending = false;
function redraw() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; charts.forEach(draw); });
}
window.addEventListener("resize", redraw);
redraw();

// Frames arrive in bursts (the envs step between updates); play them back at a steady pace.
const frames = [];
const view = document.getElementById("view");
let frameMs = 100;
setInterval(() => {
  if (frames.length > 50) frames.splice(0, frames.length - 50);
  const svg = frames.shift();
  if (svg !== undefined) view.innerHTML = svg;
}, 100);

const source = new EventSource("events");
const status = document.getElementById("status");
source.addEventListener("hello", (event) => {
  const info = JSON.parse(event.data);
  records = [];
  document.getElementById("env").textContent = info.envId + " \u00b7 " + info.engine + (info.backend ? " (" + info.backend + ")" : "") + (info.runDir ? " \u00b7 " + info.runDir : "");
  if (!info.renderer) view.textContent = "no renderer for " + info.envId;
  frameMs = info.frameInterval;
  status.textContent = "live";
  redraw();
});
source.addEventListener("metrics", (event) => {
  const record = JSON.parse(event.data);
  records.push(record);
  document.getElementById("iterations").textContent = String(record.iteration);
  document.getElementById("step").textContent = String(record.global_step);
  redraw();
});
source.addEventListener("frame", (event) => frames.push(JSON.parse(event.data)));
source.addEventListener("done", (event) => {
  status.textContent = JSON.parse(event.data).error ? "failed: " + JSON.parse(event.data).error : "finished";
});
source.onerror = () => {
  if (status.textContent === "live") status.textContent = "disconnected (retrying)";
};
</script>
</body>
</html>
`;
