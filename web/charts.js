// Load charts (#/charts): process count, messages/s and RSS over the last 5 minutes, from the
// SSE `stats` events (one a second). Samples are collected from page load on, whichever view
// is open, like LiveDashboard's metrics without a history backend.

import { onEvent } from './api.js';
import { fmtBytes, fmtInt, h, replace } from './dom.js';

const WINDOW_MS = 5 * 60 * 1000;
const MAX_SAMPLES = 400; // > 300 s of 1 Hz samples, with slack for jitter
const samples = [];
const listeners = new Set();

/** Starts collecting stats samples; called once at startup. */
export function init() {
  onEvent('stats', (st) => {
    samples.push({ at: typeof st.at_ms === 'number' ? st.at_ms : Date.now(), ...st });
    if (samples.length > MAX_SAMPLES) samples.splice(0, samples.length - MAX_SAMPLES);
    for (const fn of listeners) fn();
  });
}

const CHARTS = [
  { key: 'processes', title: 'Processes', fmt: fmtInt, color: '--chart-1' },
  { key: 'messages_per_sec', title: 'Messages / s', fmt: (v) => fmtInt(Math.round(v)), color: '--chart-2' },
  { key: 'memory_rss_bytes', title: 'Memory (RSS)', fmt: fmtBytes, color: '--chart-3' },
];

export function mount(root, _params, scope) {
  const panels = CHARTS.map((c) => {
    const canvas = h('canvas', { class: 'chart', testid: `chart-${c.key}`, 'aria-label': `${c.title} over the last 5 minutes`, role: 'img' });
    const now = h('span', { class: 'chart-now mono' });
    return { ...c, canvas, now, el: h('section', { class: 'card chart-card' }, h('div', { class: 'chart-head' }, h('h2', {}, c.title), now), canvas) };
  });
  const note = h('p', { class: 'muted small' });
  replace(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Load charts'), h('span', { class: 'spacer' }), note),
    h('div', { class: 'charts' }, panels.map((p) => p.el)));

  const redraw = () => {
    note.textContent = samples.length
      ? `last 5 minutes · ${samples.length} samples since this page was opened`
      : 'waiting for the first stats event…';
    for (const p of panels) draw(p);
  };
  listeners.add(redraw);
  scope.add(() => listeners.delete(redraw));
  window.addEventListener('resize', redraw);
  scope.add(() => window.removeEventListener('resize', redraw));
  redraw();
}

/** Draws one line chart: filled area, max gridline, "-5m … now" axis. */
function draw({ canvas, now, key, fmt, color }) {
  const css = getComputedStyle(document.documentElement);
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600;
  const hgt = canvas.clientHeight || 160;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, hgt);

  const pts = samples.filter((s) => typeof s[key] === 'number');
  const last = pts[pts.length - 1];
  now.textContent = last ? fmt(last[key]) : '—';

  const pad = { l: 8, r: 8, t: 18, b: 18 };
  const plotW = w - pad.l - pad.r;
  const plotH = hgt - pad.t - pad.b;
  const end = last ? last.at : Date.now();
  const start = end - WINDOW_MS;
  const visible = pts.filter((s) => s.at >= start);
  const max = Math.max(1, ...visible.map((s) => s[key])) * 1.1;

  ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, monospace';
  ctx.fillStyle = css.getPropertyValue('--muted').trim();
  ctx.strokeStyle = css.getPropertyValue('--border').trim();
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t + 0.5);
  ctx.lineTo(w - pad.r, pad.t + 0.5);
  ctx.moveTo(pad.l, pad.t + plotH + 0.5);
  ctx.lineTo(w - pad.r, pad.t + plotH + 0.5);
  ctx.stroke();
  ctx.fillText(`max ${fmt(max / 1.1)}`, pad.l, pad.t - 5);
  ctx.fillText('-5m', pad.l, hgt - 4);
  const nowLabel = 'now';
  ctx.fillText(nowLabel, w - pad.r - ctx.measureText(nowLabel).width, hgt - 4);

  if (visible.length < 2) return;
  const x = (t) => pad.l + ((t - start) / WINDOW_MS) * plotW;
  const y = (v) => pad.t + plotH - (v / max) * plotH;
  const stroke = css.getPropertyValue(color).trim() || '#4a8';

  ctx.beginPath();
  visible.forEach((s, i) => (i ? ctx.lineTo(x(s.at), y(s[key])) : ctx.moveTo(x(s.at), y(s[key]))));
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.lineTo(x(visible[visible.length - 1].at), pad.t + plotH);
  ctx.lineTo(x(visible[0].at), pad.t + plotH);
  ctx.closePath();
  ctx.globalAlpha = 0.15;
  ctx.fillStyle = stroke;
  ctx.fill();
  ctx.globalAlpha = 1;
}
