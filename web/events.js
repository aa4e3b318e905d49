// Event log (#/events): the live SSE stream (spawned / exited / output / swap / dropped),
// newest first, bounded to the last 1000 events, filterable by type and text, with a count of
// events the server dropped because this client was too slow.

import { onEvent } from './api.js';
import { fmtTime, h, pidLink, replace } from './dom.js';
import { swapSummary } from './modules.js';

const MAX_EVENTS = 1000;
const TYPES = ['spawned', 'exited', 'output', 'swap', 'swap_rejected', 'dropped'];
const log = []; // oldest first
let dropped = 0;
let seq = 0;
const listeners = new Set();

/** Starts recording events; called once at startup so the log covers the whole session. */
export function init() {
  onEvent('*', (type, data) => {
    if (type === 'dropped') dropped += Number(data.count) || 0;
    const ev = { seq: ++seq, at: Date.now(), type, data };
    log.push(ev);
    if (log.length > MAX_EVENTS) log.splice(0, log.length - MAX_EVENTS);
    for (const fn of listeners) fn(ev);
  });
}

/** One-line human summary of an event's payload. */
function summary(type, d) {
  switch (type) {
    case 'spawned': return [`${d.module ?? '?'} spawned`, d.parent ? [' by ', pidLink(d.parent)] : null];
    case 'exited': return `${d.name || d.module || '?'} exited: ${d.reason ?? '?'}`;
    case 'output': return h('span', { class: `mono line ${d.stream}` }, d.text ?? '');
    case 'swap': return `${d.module}: ${swapSummary(d)}${d.errors?.length ? ` · ${d.errors.join('; ')}` : ''}`;
    case 'swap_rejected': return `${d.module ?? '?'}: new version rejected: ${d.error ?? '?'}`;
    case 'dropped': return `the server dropped ${d.count} events (this client was too slow)`;
    default: return JSON.stringify(d);
  }
}

/** Text that the filter box matches against. */
function haystack(ev) {
  const d = ev.data || {};
  return `${ev.type} ${d.pid ?? ''} ${d.module ?? ''} ${d.name ?? ''} ${d.reason ?? ''} ${d.text ?? ''} ${d.error ?? ''}`.toLowerCase();
}

export function mount(root, _params, scope) {
  const enabled = new Set(TYPES);
  let paused = false;
  const filter = h('input', { type: 'search', placeholder: 'filter (pid, module, text)', testid: 'event-filter', 'aria-label': 'filter events' });
  const droppedEl = h('span', { class: 'dropped', testid: 'event-dropped' });
  const countEl = h('span', { class: 'muted small', testid: 'event-count' });
  const tbody = h('tbody');
  const pause = h('input', { type: 'checkbox', testid: 'event-pause', on: { change: () => { paused = pause.checked; if (!paused) rebuild(); } } });

  const toggles = TYPES.map((t) => h('label', { class: `check chip type-${t}` },
    h('input', { type: 'checkbox', checked: true, testid: `event-type-${t}`,
      on: { change: (e) => { if (e.target.checked) enabled.add(t); else enabled.delete(t); rebuild(); } } }),
    ` ${t}`));

  replace(root,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Events'), toggles, filter,
      h('span', { class: 'spacer' }), droppedEl, countEl,
      h('label', { class: 'check' }, pause, ' pause'),
      h('button', { type: 'button', on: { click: () => { log.length = 0; rebuild(); } } }, 'Clear')),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'grid events', testid: 'event-log' },
        h('thead', {}, h('tr', {}, h('th', {}, 'time'), h('th', {}, 'type'), h('th', {}, 'pid'), h('th', {}, 'details'))),
        tbody)));

  const matches = (ev) => {
    const q = filter.value.trim().toLowerCase();
    return enabled.has(ev.type) && (!q || haystack(ev).includes(q));
  };

  const row = (ev) => h('tr', { testid: 'event-row', data: { type: ev.type, seq: ev.seq } },
    h('td', { class: 'mono small muted' }, fmtTime(ev.at)),
    h('td', {}, h('span', { class: `tag type-${ev.type}` }, ev.type)),
    h('td', {}, ev.data?.pid ? pidLink(ev.data.pid) : ''),
    h('td', { class: 'wrap' }, summary(ev.type, ev.data || {})));

  function counters() {
    droppedEl.textContent = `dropped ${dropped} events`;
    droppedEl.classList.toggle('bad', dropped > 0);
    countEl.textContent = `${log.length} / ${MAX_EVENTS} kept`;
  }

  function rebuild() {
    const rows = [];
    for (let i = log.length - 1; i >= 0; i--) if (matches(log[i])) rows.push(row(log[i]));
    replace(tbody, rows.length ? rows : h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'No events yet.')));
    counters();
  }

  function onNew(ev) {
    counters();
    if (paused || !matches(ev)) return;
    const empty = tbody.querySelector('.empty');
    if (empty) empty.parentElement.remove();
    tbody.prepend(row(ev));
    while (tbody.rows.length > MAX_EVENTS) tbody.lastElementChild.remove();
  }

  filter.addEventListener('input', rebuild);
  listeners.add(onNew);
  scope.add(() => listeners.delete(onNew));
  rebuild();
}
