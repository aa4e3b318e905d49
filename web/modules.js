// Modules (#/modules): per module, the version timeline (hash, load time, reason, how many
// processes run each version, current/old markers), the hot-swap history with per-swap
// outcome counts, and Reload / Rollback / End all buttons.

import { api, post } from './api.js';
import { debounce, fmtBytes, fmtInt, fmtTime, h, replace } from './dom.js';

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

export function mount(root, _params, scope) {
  const list = h('div', { class: 'modules' }, h('p', { class: 'muted' }, 'Loading…'));
  const results = new Map(); // module name -> { ok, text, errors } of the last button press
  const busy = new Set();

  replace(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Modules')), list);

  async function action(name, verb) {
    busy.add(name);
    load();
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
    load();
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
      const items = res.items || [];
      if (!items.length) replace(list, h('p', { class: 'muted' }, 'No modules loaded.'));
      else replace(list, items.map(card));
    } catch (e) {
      if (scope.alive) replace(list, h('p', { class: 'error' }, `could not load modules: ${e}`));
    }
  }

  function card(m) {
    const result = results.get(m.name);
    const procs = m.processes || {};
    const versions = [...(m.versions || [])].sort((a, b) => a.version - b.version);
    const history = [...(m.history || [])].sort((a, b) => b.at_ms - a.at_ms);
    return h('section', { class: 'card module', testid: 'module-card', data: { module: m.name } },
      h('div', { class: 'module-head' },
        h('h2', {}, m.name),
        h('span', { class: 'tag' }, m.kind),
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
      history.length
        ? h('ol', { class: 'history' }, history.map(historyEntry))
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

  scope.every(3000, load);
  const soon = debounce(load, 100);
  scope.add(soon.cancel);
  scope.on('swap', soon);
  scope.on('spawned', debounce(load, 1000));
}
