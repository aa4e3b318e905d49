// Top (#/top): the busiest processes right now, as `top` and observer_cli's process list
// show them. Every 2 s the view fetches the 200 processes with the most CPU in total and
// the 200 that have received the most messages. It compares each pid with its previous
// sample to get CPU % now (cpu_us gained / time between the samples) and messages/s
// (`received` gained / time). The table is sorted in the page (CPU now, largest first, by
// default). Beside it is a per-module summary of the same rows.
//
// On a node with peers, a scope switch shows the whole cluster instead: the same two lists
// from /api/cluster/processes, which asks every connected node for its own and merges them
// (a NODE column, another node's pids as <NODE.N>); a node that did not answer is named
// above the table with the reason.

import { api, query } from './api.js';
import { fmtBytes, fmtInt, fmtMicros, fmtPercent, h, pidLink, pidNum, replace } from './dom.js';

const POLL_MS = 2000;
const LIMIT = 200; // per list; the API caps what it returns anyway
const FORGET_MS = 30_000; // a pid not sampled for this long starts over
const ROW_COUNTS = [25, 50, 100, 200];
const MODULE_ROWS = 20; // the busiest modules in the summary

const SCOPES = ['node', 'cluster'];

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// `key` makes a column sortable; `value` is what it sorts by (null sorts last).
const COLUMNS = [
  { label: 'node', cluster: true, cell: (r) => h('span', { class: 'mono', testid: 'top-node' }, r.p.node ?? '—') },
  { label: 'pid', cell: (r) => pidLink(r.p.pid) },
  { label: 'module@version', cell: (r) => h('span', { class: 'mono' }, moduleVersion(r.p)) },
  { label: 'name', cell: (r) => r.p.name ?? h('span', { class: 'muted' }, '—') },
  { key: 'cpu_now', label: 'cpu now', num: true, value: (r) => r.cpuNow, cell: cpuNowCell, testid: 'top-cpu-now',
    title: 'share of one scheduler thread since the previous poll' },
  { key: 'cpu_total', label: 'cpu total', num: true, value: (r) => num(r.p.cpu_us), cell: (r) => fmtMicros(r.p.cpu_us), testid: 'top-cpu-total',
    title: 'time the process has run on a scheduler (guest code and host calls)' },
  { key: 'memory', label: 'memory', num: true, value: (r) => num(r.p.memory_bytes), cell: (r) => fmtBytes(r.p.memory_bytes) },
  { key: 'mailbox', label: 'mailbox', num: true, value: (r) => num(r.p.mailbox_len),
    cell: (r) => h('span', { class: mailboxClass(r.p.mailbox_len) }, fmtInt(r.p.mailbox_len)) },
  { key: 'msgs', label: 'msg/s', num: true, value: (r) => r.msgRate, cell: (r) => (r.msgRate === null ? '—' : fmtRate(r.msgRate)),
    title: 'messages received per second since the previous poll' },
  { label: 'status', cell: (r) => h('span', { class: `status status-${r.p.status}` }, r.p.status ?? '—') },
];
const SORT_KEYS = new Set(COLUMNS.filter((c) => c.key).map((c) => c.key));

function moduleVersion(p) {
  if (p.kind && p.kind !== 'wasm') return p.module ?? '—';
  return p.version === null || p.version === undefined ? (p.module ?? '—') : `${p.module}@${p.version}`;
}

function mailboxClass(n) {
  if (n >= 1000) return 'bad';
  if (n > 0) return 'warn';
  return 'muted';
}

function cpuClass(frac) {
  if (frac === null) return 'muted';
  if (frac >= 0.8) return 'bad';
  if (frac >= 0.3) return 'warn';
  return null;
}

function cpuNowCell(r) {
  if (r.cpuNow === null) return h('span', { class: 'muted', title: 'needs two samples' }, '—');
  return h('span', { class: ['cpu-now', cpuClass(r.cpuNow)] },
    h('meter', { class: 'cpu-meter', min: 0, max: 1, low: 0.3, high: 0.8, optimum: 0, value: Math.min(r.cpuNow, 1), 'aria-hidden': 'true' }),
    fmtPercent(r.cpuNow));
}

/** 0.25 -> "0.25", 12.4 -> "12", 1234 -> "1,234". */
function fmtRate(v) {
  return v < 10 && v > 0 ? v.toFixed(v < 1 ? 2 : 1) : fmtInt(Math.round(v));
}

export function mount(root, params, scope) {
  const state = {
    sort: SORT_KEYS.has(params.query.get('sort')) ? params.query.get('sort') : 'cpu_now',
    order: params.query.get('order') === 'asc' ? 'asc' : 'desc',
    rows: ROW_COUNTS.includes(Number(params.query.get('rows'))) ? Number(params.query.get('rows')) : 50,
    scope: SCOPES.includes(params.query.get('scope')) ? params.query.get('scope') : 'node',
  };
  let peers = 0; // other nodes of the cluster this node has heard of
  const samples = new Map(); // pid -> { cpu_us, received, uptime, t } from the last poll that saw it
  let generation = 0; // bumped when the scope changes: an answer for the old scope is dropped
  let selfName = null; // this node's name, from a cluster list
  let rows = []; // the last poll's rows: { p, cpuNow, msgRate }
  let total = null; // processes on the node

  const count = h('span', { class: 'muted', testid: 'top-count' }, 'Loading…');
  const size = h('select', { 'aria-label': 'rows shown', on: { change: () => { state.rows = Number(size.value); syncUrl(); render(); } } },
    ROW_COUNTS.map((n) => h('option', { value: n, selected: n === state.rows }, `top ${n}`)));
  const error = h('div', { class: 'error', hidden: true });
  const missing = h('div', { class: 'warn small', testid: 'top-missing', hidden: true });
  const scopeSel = h('select', { 'aria-label': 'scope', testid: 'top-scope', hidden: true,
    on: { change: () => { state.scope = scopeSel.value; generation += 1; samples.clear(); rows = []; syncUrl(); renderHeader(); render(); poll(); } } },
    h('option', { value: 'node', selected: state.scope === 'node' }, 'this node'),
    h('option', { value: 'cluster', selected: state.scope === 'cluster' }, 'whole cluster'));
  const columns = () => COLUMNS.filter((c) => !c.cluster || state.scope === 'cluster');
  const thead = h('tr');
  const tbody = h('tbody');
  const modBody = h('tbody');

  replace(root,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Top'), count, h('span', { class: 'spacer' }), scopeSel, size),
    h('p', { class: 'muted small' },
      `CPU now is the share of one scheduler thread each process used since the previous poll (every ${POLL_MS / 1000} s); ` +
      'a process runs on one thread at a time, so 100% is one thread kept busy.'),
    error,
    missing,
    h('div', { class: 'top-grid' },
      h('div', { class: 'table-wrap' },
        h('table', { class: 'grid processes top', testid: 'top-table' }, h('thead', {}, thead), tbody)),
      h('section', { class: 'card top-modules' },
        h('h2', {}, 'By module'),
        h('table', { class: 'grid', testid: 'top-modules' },
          h('thead', {}, h('tr', {},
            h('th', {}, 'module'), h('th', { class: 'num' }, 'procs'),
            h('th', { class: 'num', title: 'sum of the processes\u2019 CPU now' }, 'cpu now'),
            h('th', { class: 'num', title: 'sum of the listed processes\u2019 CPU total' }, 'cpu total'),
            h('th', { class: 'num' }, 'msg/s'))),
          modBody),
        h('p', { class: 'muted small' }, 'Over the processes listed (at most the 200 busiest by CPU and by messages received).'))));

  function renderHeader() {
    replace(thead, columns().map((c) => {
      const active = c.key === state.sort;
      const arrow = active ? (state.order === 'asc' ? ' ▲' : ' ▼') : '';
      return h('th', {
        class: [c.num && 'num', c.key && 'sortable', active && 'sorted'],
        'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : null,
        testid: c.key ? `top-sort-${c.key}` : null,
        title: c.title,
      }, c.key ? h('button', { type: 'button', class: 'th-btn', on: { click: () => sortBy(c.key) } }, c.label, arrow) : c.label);
    }));
  }

  function sortBy(key) {
    if (state.sort === key) state.order = state.order === 'asc' ? 'desc' : 'asc';
    else {
      state.sort = key;
      state.order = 'desc';
    }
    syncUrl();
    renderHeader();
    render();
  }

  function syncUrl() {
    const qs = query({
      sort: state.sort !== 'cpu_now' ? state.sort : '',
      order: state.order !== 'desc' ? state.order : '',
      rows: state.rows !== 50 ? state.rows : '',
      scope: state.scope !== 'node' ? state.scope : '',
    });
    history.replaceState(null, '', `#/top${qs}`);
  }

  /** One list, with the time its answer arrived (the sample's time). */
  async function fetchList(sort) {
    const path = state.scope === 'cluster' ? '/api/cluster/processes' : '/api/processes';
    const res = await api(`${path}${query({ sort, order: 'desc', limit: LIMIT })}`);
    if (res.node) selfName = res.node;
    return { items: res.items || [], total: res.total, nodes: res.nodes || null, t: performance.now() };
  }

  /** Shows the scope switch once the node is known to have peers. */
  async function findPeers() {
    try {
      const n = await api('/api/nodes');
      peers = (n.nodes || []).length;
    } catch {
      peers = 0;
    }
    if (!scope.alive) return;
    scopeSel.hidden = peers === 0 && state.scope === 'node';
  }

  /** Names the nodes whose rows are missing from a cluster list, with the reason. */
  function renderMissing(nodes) {
    const failed = (nodes || []).filter((n) => !n.ok);
    missing.hidden = failed.length === 0;
    // Each error names its node ("node b did not answer within 2s").
    replace(missing, failed.length ? `Not shown: ${failed.map((n) => n.error ?? `node ${n.node}`).join('; ')}.` : null);
  }

  async function poll() {
    const asked = generation;
    let lists;
    try {
      lists = await Promise.all([fetchList('cpu'), fetchList('received')]);
    } catch (e) {
      if (!scope.alive || asked !== generation) return;
      error.hidden = false;
      error.textContent = `could not load processes: ${e}`;
      return;
    }
    if (!scope.alive || asked !== generation) return;
    error.hidden = true;
    total = lists[0].total ?? null;
    renderMissing(state.scope === 'cluster' ? lists[0].nodes : null);

    const fresh = new Map(); // pid (another node's written <NODE.N>) -> { p, t }
    for (const { items, t } of lists) for (const p of items) if (!fresh.has(p.pid)) fresh.set(p.pid, { p, t });
    rows = [...fresh.values()].map(({ p, t }) => {
      const before = samples.get(p.pid);
      const cpu = num(p.cpu_us);
      const received = num(p.received);
      const uptime = num(p.uptime_ms);
      // The time between two samples by the process's own node's clock (its age, read with
      // the counters), so a slow answer elsewhere in the cluster does not skew the rate;
      // by the page's clock when the node does not say.
      const secs = !before ? 0
        : uptime !== null && before.uptime !== null && uptime > before.uptime ? (uptime - before.uptime) / 1000
          : (t - before.t) / 1000;
      const rate = (now, then) => (secs > 0 && now !== null && then !== null ? Math.max(0, now - then) / secs : null);
      samples.set(p.pid, { cpu_us: cpu, received, uptime, t });
      const cpuPerSec = rate(cpu, before?.cpu_us ?? null); // µs of CPU per second
      return { p, cpuNow: cpuPerSec === null ? null : cpuPerSec / 1e6, msgRate: rate(received, before?.received ?? null) };
    });
    const now = performance.now();
    for (const [pid, s] of samples) if (now - s.t > FORGET_MS) samples.delete(pid);
    render();
  }

  function compare(a, b) {
    const col = COLUMNS.find((c) => c.key === state.sort);
    const va = col.value(a);
    const vb = col.value(b);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1; // unknown last, either order
    } else if (va !== vb) return state.order === 'asc' ? va - vb : vb - va;
    return (num(b.p.cpu_us) ?? 0) - (num(a.p.cpu_us) ?? 0);
  }

  function render() {
    const sorted = [...rows].sort(compare);
    const shown = sorted.slice(0, state.rows);
    count.textContent = `${fmtInt(shown.length)} of ${fmtInt(total ?? rows.length)} processes`;
    if (!shown.length) replace(tbody, h('tr', {}, h('td', { colspan: columns().length, class: 'empty' }, 'No processes.')));
    else replace(tbody, shown.map(row));
    renderModules();
  }

  function row(r) {
    // Another node's process has its page in that node's inspector, not here.
    const local = r.p.node === undefined || r.p.node === null || r.p.node === selfName;
    return h('tr', {
      class: local ? 'clickable' : null,
      testid: 'top-row',
      data: { pid: r.p.pid, module: r.p.module ?? '', node: r.p.node ?? '' },
      on: local ? { click: (e) => { if (!e.target.closest('a')) location.hash = `#/process/${pidNum(r.p.pid)}`; } } : {},
    }, columns().map((c) => h('td', { class: c.num ? 'num' : null, testid: c.testid }, c.cell(r))));
  }

  function renderModules() {
    const by = new Map();
    for (const r of rows) {
      const name = r.p.module ?? '—';
      const m = by.get(name) || { name, procs: 0, cpuNow: null, cpuUs: null, msgRate: null };
      m.procs += 1;
      const add = (sum, v) => (v === null ? sum : (sum ?? 0) + v);
      m.cpuNow = add(m.cpuNow, r.cpuNow);
      m.cpuUs = add(m.cpuUs, num(r.p.cpu_us));
      m.msgRate = add(m.msgRate, r.msgRate);
      by.set(name, m);
    }
    const mods = [...by.values()].sort((a, b) => (b.cpuNow ?? -1) - (a.cpuNow ?? -1) || (b.cpuUs ?? -1) - (a.cpuUs ?? -1));
    if (!mods.length) {
      replace(modBody, h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No processes.')));
      return;
    }
    const more = mods.length - MODULE_ROWS;
    replace(modBody, mods.slice(0, MODULE_ROWS).map((m) => h('tr', { testid: 'top-module-row', data: { module: m.name } },
      h('td', { class: 'mono' }, m.name),
      h('td', { class: 'num' }, fmtInt(m.procs)),
      h('td', { class: ['num', cpuClass(m.cpuNow)] }, fmtPercent(m.cpuNow)),
      h('td', { class: 'num' }, fmtMicros(m.cpuUs)),
      h('td', { class: 'num' }, m.msgRate === null ? '—' : fmtRate(m.msgRate)))),
    more > 0 ? h('tr', {}, h('td', { colspan: 5, class: 'muted small' }, `and ${fmtInt(more)} more module${more === 1 ? '' : 's'}`)) : null);
  }

  syncUrl();
  renderHeader();
  findPeers();
  scope.every(POLL_MS, poll);
}
