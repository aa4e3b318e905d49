// Processes view (#/processes): live, server-sorted, searchable, paged process table, plus
// the global "send a message" form. Sort, search and paging live in the hash query
// (#/processes?q=kv&sort=memory&order=desc) so a view can be linked.

import { api, query } from './api.js';
import { debounce, fmtBytes, fmtDuration, fmtInt, fmtMicros, h, pidLink, pidNum, replace } from './dom.js';
import { sendForm } from './send.js';

// `sort` is the server's sort key; null means the column cannot be sorted by the API.
const COLUMNS = [
  { label: 'pid', sort: 'pid', cell: (p) => pidLink(p.pid) },
  { label: 'name', sort: 'name', cell: (p) => [p.name ?? h('span', { class: 'muted' }, '—'), kindTag(p.kind)] },
  // Native processes (supervisors, the application master) have no module versions.
  { label: 'module@version', sort: 'module', cell: (p) => h('span', { class: 'mono' }, p.kind === 'wasm' || !p.kind ? `${p.module}@${p.version}` : p.module) },
  { label: 'status', sort: null, cell: (p) => h('span', { class: `status status-${p.status}` }, p.status) },
  { label: 'mailbox', sort: 'mailbox', num: true, cell: (p) => h('span', { class: mailboxClass(p.mailbox_len) }, fmtInt(p.mailbox_len)) },
  { label: 'memory', sort: 'memory', num: true, cell: (p) => fmtBytes(p.memory_bytes) },
  // Time on a scheduler (guest code and host calls); the server sorts `cpu` by it.
  { label: 'cpu', sort: 'cpu', num: true, cell: (p) => fmtMicros(p.cpu_us), title: 'time the process has run on a scheduler' },
  { label: 'cpu ticks', sort: null, num: true, cell: (p) => fmtInt(p.cpu_ticks ?? 0) },
  { label: 'received', sort: 'received', num: true, cell: (p) => fmtInt(p.received) },
  { label: 'sent', sort: 'sent', num: true, cell: (p) => fmtInt(p.sent) },
  { label: 'uptime', sort: 'uptime', num: true, cell: (p) => fmtDuration(p.uptime_ms) },
];

const PAGE_SIZES = [50, 100, 250, 500];

function kindTag(kind) {
  if (!kind || kind === 'wasm') return null;
  return h('span', { class: `tag tag-${kind}` }, kind === 'supervisor' ? 'sup' : kind);
}

function mailboxClass(n) {
  if (n >= 1000) return 'bad';
  if (n > 0) return 'warn';
  return 'muted';
}

export function mount(root, params, scope) {
  const state = {
    q: params.query.get('q') || '',
    sort: params.query.get('sort') || 'pid',
    order: params.query.get('order') || 'asc',
    offset: Number(params.query.get('offset')) || 0,
    limit: Number(params.query.get('limit')) || 100,
    paused: false,
  };
  let seq = 0; // drops out-of-order responses
  let pageLimit = 0; // the limit the server last applied

  const search = h('input', {
    type: 'search', placeholder: 'search pid, module or name', value: state.q, testid: 'process-search',
    'aria-label': 'search processes', spellcheck: 'false',
  });
  const count = h('span', { class: 'muted', testid: 'process-count' });
  const prev = h('button', { type: 'button', testid: 'page-prev', on: { click: () => page(-1) } }, '‹ prev');
  const next = h('button', { type: 'button', testid: 'page-next', on: { click: () => page(1) } }, 'next ›');
  const size = h('select', { 'aria-label': 'rows per page', on: { change: () => { state.limit = Number(size.value); state.offset = 0; reload(); } } },
    PAGE_SIZES.map((n) => h('option', { value: n, selected: n === state.limit }, `${n} / page`)));
  const pause = h('input', { type: 'checkbox', testid: 'process-pause', on: { change: () => { state.paused = pause.checked; if (!state.paused) reload(); } } });
  const error = h('div', { class: 'error', hidden: true });
  const thead = h('tr');
  const tbody = h('tbody');

  replace(root,
    h('details', { class: 'card send-card', open: true },
      h('summary', {}, 'Send a message'),
      sendForm({ prefix: 'send' })),
    h('div', { class: 'toolbar' },
      search, count,
      h('span', { class: 'spacer' }),
      h('label', { class: 'check', title: 'stop refreshing the table' }, pause, ' pause'),
      size, prev, next),
    error,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'grid processes', testid: 'process-table' }, h('thead', {}, thead), tbody)));

  renderHeader();

  const searchLater = debounce(() => {
    state.q = search.value.trim();
    state.offset = 0;
    reload();
  }, 200);
  search.addEventListener('input', searchLater);
  scope.add(searchLater.cancel);

  function renderHeader() {
    replace(thead, COLUMNS.map((c) => {
      const active = c.sort && c.sort === state.sort;
      const arrow = active ? (state.order === 'asc' ? ' ▲' : ' ▼') : '';
      const th = h('th', {
        class: [c.num && 'num', c.sort && 'sortable', active && 'sorted'],
        'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : null,
        testid: c.sort ? `sort-${c.sort}` : null,
        title: c.title,
      }, c.sort ? h('button', { type: 'button', class: 'th-btn', on: { click: () => sortBy(c) } }, c.label, arrow) : c.label);
      return th;
    }));
  }

  function sortBy(col) {
    if (state.sort === col.sort) state.order = state.order === 'asc' ? 'desc' : 'asc';
    else {
      state.sort = col.sort;
      // Numbers are most interesting largest-first (top-N); names read best A-Z.
      state.order = col.num ? 'desc' : 'asc';
    }
    state.offset = 0;
    renderHeader();
    reload();
  }

  function page(dir) {
    // Step by the limit the server applied, which may be lower than the one asked for.
    state.offset = Math.max(0, state.offset + dir * (pageLimit || state.limit));
    reload();
  }

  function syncUrl() {
    const qs = query({
      q: state.q,
      sort: state.sort !== 'pid' ? state.sort : '',
      order: state.order !== 'asc' ? state.order : '',
      offset: state.offset || '',
      limit: state.limit !== 100 ? state.limit : '',
    });
    history.replaceState(null, '', `#/processes${qs}`);
  }

  async function load() {
    if (state.paused) return;
    const mine = ++seq;
    const { q, sort, order, offset, limit } = state;
    try {
      const res = await api(`/api/processes${query({ q, sort, order, offset, limit })}`);
      if (!scope.alive || mine !== seq) return;
      error.hidden = true;
      render(res);
    } catch (e) {
      if (!scope.alive || mine !== seq) return;
      error.hidden = false;
      error.textContent = `could not load processes: ${e}`;
    }
  }

  function reload() {
    syncUrl();
    load();
  }

  function render(res) {
    const items = res.items || [];
    const total = res.total ?? items.length;
    pageLimit = res.limit || state.limit;
    const from = items.length ? res.offset + 1 : 0;
    count.textContent = `${from}–${res.offset + items.length} of ${fmtInt(total)}${state.q ? ` matching “${state.q}”` : ''}`;
    prev.disabled = res.offset <= 0;
    next.disabled = res.offset + items.length >= total;
    if (!items.length) {
      replace(tbody, h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'empty' }, state.q ? 'No process matches.' : 'No processes.')));
      return;
    }
    replace(tbody, items.map(row));
  }

  function row(p) {
    return h('tr', {
      class: 'clickable',
      testid: 'process-row',
      data: { pid: p.pid, name: p.name ?? '' },
      on: { click: (e) => { if (!e.target.closest('a')) location.hash = `#/process/${pidNum(p.pid)}`; } },
    }, COLUMNS.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(p))));
  }

  syncUrl();
  scope.every(1000, load);
  const soon = debounce(load, 250);
  scope.add(soon.cancel);
  scope.on('spawned', soon);
  scope.on('exited', soon);
}
