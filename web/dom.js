// DOM and formatting helpers shared by every view.
//
// Everything that puts server data on the page goes through `h()` (or `textContent`), never
// `innerHTML`, so process names, message previews and output lines are always inert text.
// The page runs under a strict CSP (no inline styles), so presentation is done with classes
// defined in style.css, never with `style=` attributes.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an element. `attrs` keys:
 *   class, testid (-> data-testid), data (object -> data-* attributes),
 *   on (object of event listeners), any other key -> setAttribute / property for
 *   value, checked, disabled.
 * Children may be strings (become text nodes), nodes, arrays, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** Like `h` but in the SVG namespace (for the sequence diagram). */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

const PROPS = new Set(['value', 'checked', 'disabled', 'selected']);

function build(el, attrs, children) {
  for (const [key, val] of Object.entries(attrs || {})) {
    if (val === null || val === undefined || val === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(val) ? val.filter(Boolean).join(' ') : val);
    else if (key === 'testid') el.setAttribute('data-testid', val);
    else if (key === 'data') for (const [k, v] of Object.entries(val)) el.setAttribute(`data-${k}`, v ?? '');
    else if (key === 'on') for (const [ev, fn] of Object.entries(val)) el.addEventListener(ev, fn);
    else if (PROPS.has(key)) el[key] = val;
    else el.setAttribute(key, val === true ? '' : String(val));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces all children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "<0.12>" or "12" -> "12" (the path form the API accepts). */
export function pidNum(pid) {
  const m = /^<0\.(\d+)>$/.exec(String(pid).trim());
  return m ? m[1] : String(pid).trim();
}

/** "12" -> "<0.12>"; passes through anything that already looks like a pid. */
export function pidStr(p) {
  return /^\d+$/.test(String(p)) ? `<0.${p}>` : String(p);
}

export function isPid(p) {
  return typeof p === 'string' && /^<0\.\d+>$/.test(p);
}

/** "<b.12>" -> "b": the node of a pid of another node of the cluster, or null. */
export function remoteNode(p) {
  const m = typeof p === 'string' ? /^<(.+)\.(\d+)>$/.exec(p) : null;
  return m && m[1] !== '0' ? m[1] : null;
}

/** A monospace link to a process page; a pid of another node shows its node (its page is
 *  on that node); non-pids (e.g. "http") render as plain text. */
export function pidLink(pid, extra = {}) {
  const node = remoteNode(pid);
  if (node) {
    return h('span', { class: 'pid remote', title: `a process on node ${node}`, ...extra }, pid,
      h('span', { class: 'tag' }, node));
  }
  if (!isPid(pid)) return h('span', { class: 'pid muted' }, pid ?? '—');
  return h('a', { class: 'pid', href: `#/process/${pidNum(pid)}`, ...extra }, pid);
}

const nf = new Intl.NumberFormat('en-US');
export const fmtInt = (n) => (n === null || n === undefined ? '—' : nf.format(n));

export function fmtBytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Milliseconds -> "850ms", "12.3s", "4m 05s", "3h 02m", "2d 04h". */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const sec = ms / 1000;
  if (sec < 60) return `${sec.toFixed(1)}s`;
  const pad = (x) => String(Math.floor(x)).padStart(2, '0');
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m}m ${pad(sec % 60)}s`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr}h ${pad(m % 60)}m`;
  return `${Math.floor(hr / 24)}d ${pad(hr % 24)}h`;
}

/** CPU time in microseconds -> "850µs", "12.3ms", "4.21s", then as fmtDuration ("4m 05s"). */
export function fmtMicros(us) {
  if (typeof us !== 'number' || !Number.isFinite(us)) return '—';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e5 ? 1 : 0)}ms`;
  if (us < 60e6) return `${(us / 1e6).toFixed(2)}s`;
  return fmtDuration(us / 1000);
}

/** A fraction -> "0.4%", "37%"; anything but a number -> "—". */
export function fmtPercent(frac) {
  if (typeof frac !== 'number' || !Number.isFinite(frac)) return '—';
  const pct = frac * 100;
  return `${pct.toFixed(pct < 10 ? 1 : 0)}%`;
}

/** Wall-clock epoch ms -> "14:03:07" (local time), or date + time if not today. */
export function fmtTime(ms) {
  if (!ms && ms !== 0) return '—';
  const d = new Date(ms);
  const t = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === new Date().toDateString() ? t : `${d.toISOString().slice(0, 10)} ${t}`;
}

/** Compact one-line JSON for previews; long values are cut with an ellipsis. */
export function preview(value, max = 200) {
  let text;
  try { text = typeof value === 'string' ? value : JSON.stringify(value); } catch { text = String(value); }
  if (text === undefined) text = String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Calls `fn` at most once per `ms`, trailing edge (for event-driven refreshes). */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}
