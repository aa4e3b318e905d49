// Modules (#/modules): one compact row per module (so fifty stay readable): its current
// version, how many processes run each version, the CPU of all its processes (live and
// ended), when it last swapped, and a small timeline of its versions and swaps on a time
// axis shared by every row. Clicking a row opens its details: the version cards (hash, load
// time, reason, size, processes), the hot-swap history with per-swap outcome counts, and
// Reload / Rollback / End all. Filter, sort and the open rows live in the hash query
// (#/modules?q=kv&sort=cpu&open=kv,counter).

import { api, post, query } from './api.js';
import { debounce, fmtBytes, fmtInt, fmtMicros, fmtTime, h, replace, s } from './dom.js';

/** "v1→v2 (manual): upgraded 3 · failed 1 · …" for a SwapRecord / history entry / swap event. */
export function swapSummary(r) {
  const counts = ['upgraded', 'failed', 'kept', 'restarted', 'purged']
    .filter((k) => typeof r[k] === 'number')
    .map((k) => `${k} ${fmtInt(r[k])}`)
    .join(' · ');
  return `v${r.from ?? '?'}→v${r.to ?? '?'}${r.cause ? ` (${r.cause})` : ''}${counts ? `: ${counts}` : ''}`;
}

/** A swap is "ok" when nothing failed and no errors were reported. */
export function swapOk(r) {
  return !(r.failed > 0) && !(Array.isArray(r.errors) && r.errors.length);
}

const TIMELINE = { w: 240, h: 18, pad: 5 };

// `sort` keys for the header buttons; names read best A-Z, numbers largest first.
const COLUMNS = [
  { label: 'module', sort: 'name' },
  { label: 'version' },
  { label: 'processes', sort: 'processes', num: true, title: 'live processes, by the version they run' },
  { label: 'cpu', sort: 'cpu', num: true, title: 'time all its processes (live and ended) have run on a scheduler' },
  { label: 'last swap', sort: 'swap' },
  { label: 'timeline', timeline: true },
];

const total = (m) => Object.values(m.processes || {}).reduce((a, b) => a + (Number(b) || 0), 0);
const lastSwap = (m) => (m.history || []).reduce((best, r) => (!best || r.at_ms > best.at_ms ? r : best), null);
const SORTS = {
  name: (a, b) => a.name.localeCompare(b.name),
  processes: (a, b) => total(b) - total(a),
  cpu: (a, b) => (b.cpu_us ?? -1) - (a.cpu_us ?? -1),
  swap: (a, b) => (lastSwap(b)?.at_ms ?? 0) - (lastSwap(a)?.at_ms ?? 0),
};

export function mount(root, params, scope) {
  const state = {
    q: params.query.get('q') || '',
    sort: SORTS[params.query.get('sort')] ? params.query.get('sort') : 'name',
    open: new Set((params.query.get('open') || '').split(',').filter(Boolean)),
  };
  const results = new Map(); // module name -> { ok, text, errors } of the last button press
  const busy = new Set();
  let items = null; // the last answer's modules

  const filter = h('input', { type: 'search', placeholder: 'filter modules', value: state.q, testid: 'module-filter',
    'aria-label': 'filter modules', spellcheck: 'false' });
  const count = h('span', { class: 'muted', testid: 'module-count' });
  const axis = h('span', { class: 'muted small' });
  const error = h('div', { class: 'error', hidden: true });
  const thead = h('tr');
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'empty' }, 'Loading…')));

  replace(root,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Modules'), filter, count, h('span', { class: 'spacer' }), axis),
    error,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'grid modules-table', testid: 'module-table' }, h('thead', {}, thead), tbody)));

  const filterLater = debounce(() => { state.q = filter.value.trim(); syncUrl(); render(); }, 150);
  filter.addEventListener('input', filterLater);
  scope.add(filterLater.cancel);

  function renderHeader() {
    replace(thead, COLUMNS.map((c) => {
      const active = c.sort && c.sort === state.sort;
      return h('th', {
        class: [c.num && 'num', c.sort && 'sortable', active && 'sorted', c.timeline && 'timeline-col'],
        'aria-sort': active ? (c.sort === 'name' ? 'ascending' : 'descending') : null,
        testid: c.sort ? `module-sort-${c.sort}` : null,
        title: c.title,
      }, c.sort
        ? h('button', { type: 'button', class: 'th-btn', on: { click: () => { state.sort = c.sort; syncUrl(); renderHeader(); render(); } } },
          c.label, active ? (c.sort === 'name' ? ' ▲' : ' ▼') : '')
        : c.label);
    }));
  }

  function syncUrl() {
    const qs = query({ q: state.q, sort: state.sort !== 'name' ? state.sort : '', open: [...state.open].join(',') });
    history.replaceState(null, '', `#/modules${qs}`);
  }

  function toggle(name) {
    if (state.open.has(name)) state.open.delete(name);
    else state.open.add(name);
    syncUrl();
    render();
  }

  async function action(name, verb) {
    busy.add(name);
    render();
    try {
      const res = await post(`/api/modules/${encodeURIComponent(name)}/${verb}`);
      const rec = res.outcome;
      // Reloading the file that is already current swaps nothing: the node says so.
      if (!rec) results.set(name, { ok: true, text: `${verb}: ${res.message || 'unchanged'}`, errors: [] });
      else results.set(name, { ok: swapOk(rec), text: `${verb}: ${swapSummary(rec)}`, errors: rec.errors || [] });
    } catch (e) {
      results.set(name, { ok: false, text: `${verb} failed: ${e}`, errors: [] });
    }
    busy.delete(name);
    load();
  }

  /** Ends every process of the module (recovery), after a confirmation. */
  async function endAll(name) {
    if (!window.confirm(`End every process of ${name}? Supervised ones are removed from their supervisors.`)) return;
    busy.add(name);
    render();
    try {
      const res = await post('/api/end', { module: name });
      const removed = (res.removed_children || []).length;
      results.set(name, { ok: res.left === 0, errors: [],
        text: `end all: ended ${fmtInt(res.ended)}${removed ? `, ${fmtInt(removed)} removed from their supervisors` : ''}` +
          (res.left ? `, ${fmtInt(res.left)} still running` : '') });
    } catch (e) {
      results.set(name, { ok: false, text: `end all failed: ${e}`, errors: [] });
    }
    busy.delete(name);
    load();
  }

  async function load() {
    try {
      const res = await api('/api/modules');
      if (!scope.alive) return;
      error.hidden = true;
      items = res.items || [];
      render();
    } catch (e) {
      if (!scope.alive) return;
      error.hidden = false;
      error.textContent = `could not load modules: ${e}`;
    }
  }

  function render() {
    if (!items) return;
    const q = state.q.toLowerCase();
    const shown = items.filter((m) => !q || m.name.toLowerCase().includes(q)).sort((a, b) => SORTS[state.sort](a, b) || SORTS.name(a, b));
    count.textContent = q ? `${fmtInt(shown.length)} of ${fmtInt(items.length)} modules` : `${fmtInt(items.length)} modules`;
    const span = timeSpan(items);
    axis.textContent = span ? `timeline: ${fmtTime(span.from)} → now` : '';
    if (!shown.length) {
      replace(tbody, h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'empty' }, items.length ? 'No module matches.' : 'No modules loaded.')));
      return;
    }
    replace(tbody, shown.flatMap((m) => {
      const open = state.open.has(m.name);
      const row = summaryRow(m, open, span);
      return open ? [row, h('tr', { class: 'module-detail' }, h('td', { colspan: COLUMNS.length }, card(m)))] : [row];
    }));
  }

  function summaryRow(m, open, span) {
    const procs = m.processes || {};
    const n = total(m);
    const byVersion = Object.entries(procs).filter(([, c]) => c > 0).sort((a, b) => Number(b[0]) - Number(a[0]));
    const last = lastSwap(m);
    return h('tr', {
      class: ['clickable', 'module-row', open && 'open'],
      testid: 'module-row',
      data: { module: m.name },
      'aria-expanded': String(open),
      on: { click: (e) => { if (!e.target.closest('a, button')) toggle(m.name); } },
    },
    h('td', {},
      h('button', { type: 'button', class: 'fold', 'aria-expanded': String(open), title: open ? 'hide details' : 'show details',
        on: { click: () => toggle(m.name) } }, open ? '▾' : '▸'),
      h('span', { class: 'mono module-name' }, m.name),
      m.kind ? h('span', { class: 'tag' }, m.kind) : null),
    h('td', { class: 'mono' }, m.current === null || m.current === undefined ? '—' : `v${m.current}`,
      m.old !== null && m.old !== undefined ? h('span', { class: 'tag tag-old', title: 'the old version is still loaded' }, `old v${m.old}`) : null),
    h('td', { class: 'num', testid: 'module-processes' },
      h('span', { class: n ? null : 'muted' }, fmtInt(n)),
      byVersion.length > 1 || (byVersion.length === 1 && Number(byVersion[0][0]) !== m.current)
        ? h('span', { class: 'muted small' }, ` (${byVersion.map(([v, c]) => `v${v} ${fmtInt(c)}`).join(' · ')})`)
        : null),
    h('td', { class: 'num mono', testid: 'module-cpu' }, fmtMicros(m.cpu_us)),
    h('td', {}, last
      ? [h('span', { class: 'small' }, fmtTime(last.at_ms)), ' ', h('span', { class: `tag ${swapOk(last) ? 'tag-ok' : 'tag-failed'}`, title: swapSummary(last) }, swapOk(last) ? 'ok' : 'failed')]
      : h('span', { class: 'muted small' }, 'never')),
    h('td', { class: 'timeline-col' }, timeline(m, span)));
  }

  function card(m) {
    const result = results.get(m.name);
    const procs = m.processes || {};
    const versions = [...(m.versions || [])].sort((a, b) => a.version - b.version);
    const swaps = [...(m.history || [])].sort((a, b) => b.at_ms - a.at_ms);
    return h('div', { class: 'module', testid: 'module-card', data: { module: m.name } },
      h('div', { class: 'module-head' },
        m.format === 'component' ? h('span', { class: 'tag', title: 'a WebAssembly component of the hatchery:process world' }, 'component') : null,
        m.upgradable ? h('span', { class: 'tag tag-ok' }, 'upgradable') : h('span', { class: 'tag' }, 'not upgradable'),
        m.fiberless ? h('span', { class: 'tag', title: 'imports nothing that may wait: every call into its processes is a plain call, with no fiber stack' }, 'no fiber') : null,
        h('span', { class: 'mono muted small path', title: m.path }, m.path),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', testid: 'module-reload', disabled: busy.has(m.name), on: { click: () => action(m.name, 'reload') } }, 'Reload'),
        h('button', { type: 'button', testid: 'module-rollback', disabled: busy.has(m.name) || m.old === null || m.old === undefined,
          title: m.old ? `roll back to v${m.old}` : 'no previous version', on: { click: () => action(m.name, 'rollback') } }, 'Rollback'),
        h('button', { type: 'button', class: 'danger', testid: 'module-end', disabled: busy.has(m.name),
          title: 'end every process of this module (supervised ones are removed from their supervisors)', on: { click: () => endAll(m.name) } }, 'End all')),
      result && h('div', { class: ['result', result.ok ? 'ok' : 'error'], testid: 'module-result' },
        result.text, result.errors.length ? h('ul', {}, result.errors.map((e) => h('li', { class: 'mono' }, e))) : null),
      h('h3', {}, 'Versions'),
      h('ol', { class: 'timeline' }, versions.map((v) => versionChip(m, v, procs))),
      h('h3', {}, 'Swap history'),
      swaps.length
        ? h('ol', { class: 'history' }, swaps.map(historyEntry))
        : h('p', { class: 'muted small' }, 'No swaps yet.'));
  }

  function versionChip(m, v, procs) {
    const marker = v.version === m.current ? 'current' : v.version === m.old ? 'old' : null;
    const n = procs[String(v.version)] || 0;
    return h('li', { class: ['version', marker], testid: 'module-version', data: { version: v.version } },
      h('div', { class: 'version-top' },
        h('strong', {}, `v${v.version}`),
        marker ? h('span', { class: `tag tag-${marker}` }, marker) : null),
      h('div', { class: 'mono small', title: v.hash }, (v.hash || '').slice(0, 12)),
      h('div', { class: 'small muted' }, `${fmtTime(v.loaded_at_ms)} · ${v.reason ?? v.cause ?? '?'}`),
      h('div', { class: 'small' }, `${fmtInt(n)} process${n === 1 ? '' : 'es'}`, v.size ? h('span', { class: 'muted' }, ` · ${fmtBytes(v.size)}`) : null));
  }

  function historyEntry(r) {
    const ok = swapOk(r);
    return h('li', { class: ['swap', ok ? 'ok' : 'failed'], testid: 'module-history' },
      h('span', { class: 'small muted' }, fmtTime(r.at_ms)), ' ',
      h('span', { class: `tag ${ok ? 'tag-ok' : 'tag-failed'}` }, ok ? 'ok' : 'failed'), ' ',
      swapSummary(r),
      Array.isArray(r.errors) && r.errors.length ? h('ul', { class: 'errors' }, r.errors.map((e) => h('li', { class: 'mono' }, e))) : null);
  }

  renderHeader();
  syncUrl();
  scope.every(3000, load);
  const soon = debounce(load, 100);
  scope.add(soon.cancel);
  scope.on('swap', soon);
  const later = debounce(load, 1000);
  scope.add(later.cancel);
  scope.on('spawned', later);
}

/** The time axis every row's timeline shares: the first version loaded or swap, to now. */
function timeSpan(items) {
  let from = Infinity;
  let to = Date.now();
  for (const m of items) {
    for (const v of m.versions || []) if (typeof v.loaded_at_ms === 'number') from = Math.min(from, v.loaded_at_ms);
    for (const r of m.history || []) if (typeof r.at_ms === 'number') { from = Math.min(from, r.at_ms); to = Math.max(to, r.at_ms); }
  }
  return Number.isFinite(from) ? { from, to: Math.max(to, from + 1000) } : null;
}

/** A small SVG: a dot per version at its load time (current, old, or unloaded) and a tick
 *  per swap (red when it failed), each with a tooltip. */
function timeline(m, span) {
  const { w, h: ht, pad } = TIMELINE;
  const mid = ht / 2;
  const x = (t) => (span ? pad + ((t - span.from) / (span.to - span.from)) * (w - 2 * pad) : pad).toFixed(1);
  const marks = [];
  for (const r of m.history || []) {
    if (typeof r.at_ms !== 'number') continue;
    const ok = swapOk(r);
    marks.push(s('line', { class: ['tl-swap', !ok && 'tl-failed'], x1: x(r.at_ms), x2: x(r.at_ms), y1: 2, y2: ht - 2 },
      s('title', {}, `${fmtTime(r.at_ms)} swap ${swapSummary(r)}${ok ? '' : ' (failed)'}`)));
  }
  for (const v of m.versions || []) {
    if (typeof v.loaded_at_ms !== 'number') continue;
    const marker = v.version === m.current ? 'tl-current' : v.version === m.old ? 'tl-old' : 'tl-gone';
    marks.push(s('circle', { class: ['tl-version', marker], cx: x(v.loaded_at_ms), cy: mid, r: v.version === m.current ? 4 : 3 },
      s('title', {}, `v${v.version} loaded ${fmtTime(v.loaded_at_ms)} (${v.reason ?? v.cause ?? '?'})`)));
  }
  return s('svg', { class: 'tl', width: w, height: ht, viewBox: `0 0 ${w} ${ht}`, role: 'img', testid: 'module-timeline',
    'aria-label': `${m.name}: ${(m.versions || []).length} versions, ${(m.history || []).length} swaps` },
  s('line', { class: 'tl-axis', x1: pad, x2: w - pad, y1: mid, y2: mid }), marks);
}
