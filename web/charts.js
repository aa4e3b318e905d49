// Load charts (#/charts): the node's stats over the last 5 minutes, 15 minutes or hour
// (until one is picked, the smallest that holds every sample).
//
// Two sources fill one time-ordered buffer. The SSE `stats` events (one a second) are
// collected from page load on, whichever view is open. Each time the view opens it also
// loads GET /api/history (a point every 5 s over the last hour, kept by the node). So a
// chart opened now shows the past hour, and a gap left while the page was offline is
// filled in. A history point is kept only where no other sample lies within most of an
// interval of it, so the 1 s samples stay and loading twice adds nothing. The buffer is
// bounded: an hour of live samples plus an hour of history, and nothing older than the
// hour.
//
// Counters that only grow (restarts, swaps) are drawn as bars: how much they grew in each
// slice of the window. CPU is one line per scheduler thread.

import { api, onEvent } from './api.js';
import { fmtBytes, fmtInt, fmtPercent, h, replace } from './dom.js';

const HOUR_MS = 60 * 60 * 1000;
const MAX_POINTS = 3600 + 720 + 120; // an hour of 1 Hz samples, an hour of 5 s history, slack
const WINDOWS = [
  { id: '5m', ms: 5 * 60 * 1000, label: '-5m', bucket: '5 s' },
  { id: '15m', ms: 15 * 60 * 1000, label: '-15m', bucket: '15 s' },
  { id: '1h', ms: HOUR_MS, label: '-1h', bucket: 'minute' },
];
const BUCKETS = 60; // bars per window
const SERIES_COLORS = 8; // --chart-1 … --chart-8 in style.css, reused in turn

const points = []; // { at, ...fields of a stats event or a history point }, oldest first
const listeners = new Set();
const past = { state: 'not loaded', intervalMs: 5000, count: 0 }; // what /api/history gave
let liveCount = 0;

/** Starts collecting stats samples; called once at startup. */
export function init() {
  onEvent('stats', (st) => {
    insert({ ...st, at: typeof st.at_ms === 'number' ? st.at_ms : Date.now() });
    liveCount++;
    trim();
    notify();
  });
}

function notify() {
  for (const fn of listeners) fn();
}

/** The index of the first point at or after `at`. */
function lowerBound(at) {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(p) {
  if (!points.length || points[points.length - 1].at <= p.at) points.push(p);
  else points.splice(lowerBound(p.at), 0, p);
}

/** Drops what is older than the hour before the newest point, then the oldest over the cap. */
function trim() {
  if (!points.length) return;
  const old = lowerBound(points[points.length - 1].at - HOUR_MS - 60_000);
  if (old > 0) points.splice(0, old);
  if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
}

/** Adds the history points that fall where the buffer has no sample near them. */
function mergeHistory(list, intervalMs) {
  const near = intervalMs * 0.75;
  const fresh = [];
  for (const hp of list) {
    if (!hp || typeof hp.at_ms !== 'number') continue;
    const i = lowerBound(hp.at_ms);
    const close = (j) => j >= 0 && j < points.length && Math.abs(points[j].at - hp.at_ms) < near;
    if (!close(i - 1) && !close(i)) fresh.push({ ...hp, at: hp.at_ms });
  }
  for (const p of fresh) insert(p);
  trim();
  return fresh.length;
}

async function loadHistory() {
  let res;
  try {
    res = await api('/api/history');
  } catch (e) {
    // A node without history answers 404: the charts then start from page load.
    past.state = e.status === 404 ? 'none' : 'error';
    if (e.status !== 404) console.debug('history failed', e);
    notify();
    return;
  }
  if (typeof res?.interval_ms === 'number' && res.interval_ms > 0) past.intervalMs = res.interval_ms;
  const list = Array.isArray(res?.points) ? res.points : [];
  past.count = list.length;
  past.state = 'loaded';
  mergeHistory(list, past.intervalMs);
  notify();
}

// kind: line (one value), lines (an array: one line per entry), bars (a cumulative counter,
// drawn as its growth per slice of the window).
const CHARTS = [
  { key: 'processes', title: 'Processes', kind: 'line', fmt: fmtInt, color: '--chart-1' },
  { key: 'messages_per_sec', title: 'Messages / s', kind: 'line', fmt: (v) => fmtInt(Math.round(v)), color: '--chart-2' },
  { key: 'cpu_per_worker', title: 'CPU per scheduler thread', kind: 'lines', fmt: fmtPercent, max: 1 },
  { key: 'mailbox_messages', title: 'Messages waiting in mailboxes', kind: 'line', fmt: fmtInt, color: '--chart-4' },
  { key: 'memory_rss_bytes', title: 'Memory (RSS)', kind: 'line', fmt: fmtBytes, color: '--chart-3' },
  { key: 'guest_memory_bytes', title: 'Guest memory', kind: 'line', fmt: fmtBytes, color: '--chart-5' },
  { key: 'restarts', title: 'Supervisor restarts', kind: 'bars', fmt: fmtInt, color: '--bad' },
  { key: 'swaps', title: 'Hot swaps', kind: 'bars', fmt: fmtInt, color: '--warn' },
];

export function mount(root, params, scope) {
  // Until a window is picked (a button, or ?window= in the URL) it follows the data.
  let win = WINDOWS.find((w) => w.id === params.query.get('window')) || null;
  let picked = win !== null;
  const panels = CHARTS.map((c) => {
    const canvas = h('canvas', { class: 'chart', testid: `chart-${c.key}`, role: 'img' });
    const now = h('span', { class: 'chart-now mono', testid: `chart-now-${c.key}` });
    const legend = c.kind === 'lines' ? h('div', { class: 'chart-legend small mono' }) : null;
    return { ...c, canvas, now, legend,
      el: h('section', { class: 'card chart-card' }, h('div', { class: 'chart-head' }, h('h2', {}, c.title), now), canvas, legend) };
  });
  const note = h('p', { class: 'muted small', testid: 'chart-note' });
  const buttons = WINDOWS.map((w) => h('button', { type: 'button', testid: `chart-window-${w.id}`,
    on: { click: () => { win = w; picked = true; syncUrl(); redraw(); } } }, w.id));
  const charts = h('div', { class: 'charts', testid: 'charts' }, panels.map((p) => p.el));
  replace(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Load charts'), h('span', { class: 'seg' }, buttons), h('span', { class: 'spacer' }), note),
    charts);

  // Keeps a picked window in the URL (#/charts?window=5m), like the process table's sort.
  function syncUrl() {
    history.replaceState(null, '', `#/charts?window=${win.id}`);
  }

  const redraw = () => {
    if (!scope.alive) return;
    if (!picked) win = fitWindow();
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.textContent === win.id));
    charts.dataset.history = past.state;
    const src = past.state === 'loaded'
      ? `${fmtInt(past.count)} history points (every ${Math.round(past.intervalMs / 1000)} s)`
      : past.state === 'none' ? 'no history on this node' : past.state === 'error' ? 'history could not be loaded' : 'loading history…';
    note.textContent = points.length || past.state !== 'not loaded'
      ? `${src} · ${fmtInt(liveCount)} live samples since this page was opened`
      : 'waiting for the first stats event…';
    const end = points.length ? points[points.length - 1].at : Date.now();
    for (const p of panels) draw(p, end - win.ms, end, win);
  };
  listeners.add(redraw);
  scope.add(() => listeners.delete(redraw));
  window.addEventListener('resize', redraw);
  scope.add(() => window.removeEventListener('resize', redraw));
  redraw();
  loadHistory();
}

/** The smallest window that holds every sample (the hour when there are none yet), so a
 *  node up for two minutes is not drawn as a sliver at the right edge of an hour. */
function fitWindow() {
  const span = points.length ? points[points.length - 1].at - points[0].at : Infinity;
  return WINDOWS.find((w) => span <= w.ms) || WINDOWS[WINDOWS.length - 1];
}

/** Two samples further apart than this have a gap between them (the page was offline). */
function gapMs() {
  return Math.max(3 * past.intervalMs, 15_000);
}

/** The points in [start, end] that have a number (or for `lines`, an array) at `key`. */
function visible(key, start, kind) {
  const from = lowerBound(start);
  const out = [];
  for (let i = from; i < points.length; i++) {
    const v = points[i][key];
    if (kind === 'lines' ? Array.isArray(v) : typeof v === 'number') out.push(points[i]);
  }
  return out;
}

/** Growth of a cumulative counter per slice of [start, end]; a drop (a node restart) counts 0. */
function buckets(key, start, end) {
  const out = new Array(BUCKETS).fill(0);
  const from = Math.max(0, lowerBound(start) - 1); // the sample before the window anchors the first step
  let prev = null;
  for (let i = from; i < points.length; i++) {
    const p = points[i];
    if (typeof p[key] !== 'number') continue;
    if (prev && p.at >= start && p[key] > prev[key]) {
      const b = Math.min(BUCKETS - 1, Math.floor(((p.at - start) / (end - start)) * BUCKETS));
      out[b] += p[key] - prev[key];
    }
    prev = p;
  }
  return out;
}

function themeColor(css, name, fallback) {
  return css.getPropertyValue(name).trim() || fallback;
}

/** Draws one chart: the frame, a max gridline, the "-1h … now" axis, then the data. */
function draw(panel, start, end, win) {
  const { canvas, now, key, kind, fmt, title } = panel;
  const css = getComputedStyle(document.documentElement);
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600;
  const hgt = canvas.clientHeight || 160;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);

  const pad = { l: 8, r: 8, t: 18, b: 18 };
  const plot = { x: pad.l, y: pad.t, w: w - pad.l - pad.r, h: hgt - pad.t - pad.b };
  const x = (t) => plot.x + ((t - start) / (end - start)) * plot.w;

  let max;
  let series = [];
  let bars = null;
  const pts = visible(key, start, kind);
  if (kind === 'bars') {
    bars = buckets(key, start, end);
    const inWindow = bars.reduce((a, b) => a + b, 0);
    const last = pts[pts.length - 1];
    now.textContent = last ? `${fmt(inWindow)} in ${win.id} · ${fmt(last[key])} since start` : '—';
    canvas.dataset.total = String(inWindow);
    canvas.dataset.cumulative = last ? String(last[key]) : '';
    max = Math.max(1, ...bars);
  } else if (kind === 'lines') {
    const threads = Math.max(0, ...pts.map((p) => p[key].length));
    series = Array.from({ length: threads }, (_, i) => pts.filter((p) => typeof p[key][i] === 'number').map((p) => [p.at, p[key][i]]));
    const last = pts[pts.length - 1];
    const lastVals = last ? last[key].filter((v) => typeof v === 'number') : [];
    now.textContent = lastVals.length ? `avg ${fmt(lastVals.reduce((a, b) => a + b, 0) / lastVals.length)} · ${lastVals.length} threads` : '—';
    max = panel.max;
    renderLegend(panel.legend, last ? last[key] : []);
  } else {
    series = [pts.map((p) => [p.at, p[key]])];
    const last = pts[pts.length - 1];
    now.textContent = last ? fmt(last[key]) : '—';
    max = Math.max(1, ...series[0].map(([, v]) => v)) * 1.1;
  }
  canvas.dataset.points = String(pts.length);
  canvas.setAttribute('aria-label', `${title} over the last ${win.id}`);
  const y = (v) => plot.y + plot.h - (Math.min(v, max) / max) * plot.h;

  ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, monospace';
  ctx.fillStyle = themeColor(css, '--muted', '#888');
  ctx.strokeStyle = themeColor(css, '--border', '#ccc');
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(plot.x, plot.y + 0.5);
  ctx.lineTo(plot.x + plot.w, plot.y + 0.5);
  ctx.moveTo(plot.x, plot.y + plot.h + 0.5);
  ctx.lineTo(plot.x + plot.w, plot.y + plot.h + 0.5);
  ctx.stroke();
  const top = kind === 'line' ? max / 1.1 : max;
  ctx.fillText(kind === 'bars' ? `max ${fmt(top)} per ${win.bucket}` : `max ${fmt(top)}`, plot.x, plot.y - 5);
  ctx.fillText(win.label, plot.x, hgt - 4);
  const half = `-${win.ms / 120_000}m`;
  ctx.fillText(half, plot.x + plot.w / 2 - ctx.measureText(half).width / 2, hgt - 4);
  ctx.fillText('now', plot.x + plot.w - ctx.measureText('now').width, hgt - 4);

  if (bars) {
    const bw = plot.w / BUCKETS;
    ctx.fillStyle = themeColor(css, panel.color, '#c33');
    bars.forEach((v, i) => {
      if (v > 0) ctx.fillRect(plot.x + i * bw + 1, y(v), Math.max(1, bw - 2), plot.y + plot.h - y(v));
    });
    return;
  }
  series.forEach((line, i) => {
    const color = kind === 'lines' ? `--chart-${(i % SERIES_COLORS) + 1}` : panel.color;
    drawLine(ctx, line, x, y, plot, themeColor(css, color, '#4a8'), kind === 'line');
  });
}

/** A polyline broken at gaps, with a light fill under it when `fill`. */
function drawLine(ctx, line, x, y, plot, stroke, fill) {
  const gap = gapMs();
  const runs = [];
  let run = [];
  for (const pt of line) {
    if (run.length && pt[0] - run[run.length - 1][0] > gap) {
      runs.push(run);
      run = [];
    }
    run.push(pt);
  }
  if (run.length) runs.push(run);
  ctx.strokeStyle = stroke;
  ctx.fillStyle = stroke;
  ctx.lineWidth = 1.5;
  for (const r of runs) {
    if (r.length < 2) {
      ctx.fillRect(x(r[0][0]) - 1, y(r[0][1]) - 1, 2, 2);
      continue;
    }
    ctx.beginPath();
    r.forEach(([t, v], i) => (i ? ctx.lineTo(x(t), y(v)) : ctx.moveTo(x(t), y(v))));
    ctx.stroke();
    if (!fill) continue;
    ctx.lineTo(x(r[r.length - 1][0]), plot.y + plot.h);
    ctx.lineTo(x(r[0][0]), plot.y + plot.h);
    ctx.closePath();
    ctx.globalAlpha = 0.15;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
}

/** "■ 0 12% ■ 1 3% …": which colour is which scheduler thread, with its last value. */
function renderLegend(el, values) {
  replace(el, values.map((v, i) => h('span', { class: 'legend-item' },
    h('span', { class: `swatch swatch-${(i % SERIES_COLORS) + 1}`, 'aria-hidden': 'true' }),
    `${i} ${fmtPercent(v)}`)));
}
