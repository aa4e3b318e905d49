// Crash log (#/crashes): GET /api/crashes, newest first. Each entry unfolds to its backtrace
// and the last message the process handled.

import { api } from './api.js';
import { debounce, fmtTime, h, pidLink, replace } from './dom.js';

export function mount(root, _params, scope) {
  const list = h('div', { class: 'crashes', testid: 'crash-log' }, h('p', { class: 'muted' }, 'Loading…'));
  const open = new Set(); // keys of unfolded entries, kept across refreshes

  replace(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Crash log'), h('span', { class: 'muted small' }, 'crash and supervisor reports, newest first')), list);

  async function load() {
    try {
      const res = await api('/api/crashes?limit=100');
      if (!scope.alive) return;
      const items = [...(res.items || [])].sort((a, b) => b.at_ms - a.at_ms);
      replace(list, items.length ? items.map(entry) : h('p', { class: 'muted' }, 'No crashes recorded. 🎉'));
    } catch (e) {
      if (scope.alive) replace(list, h('p', { class: 'error' }, `could not load crashes: ${e}`));
    }
  }

  function entry(c) {
    const key = `${c.at_ms}/${c.pid}/${c.kind}`;
    const det = h('details', { class: `card crash kind-${c.kind}`, testid: 'crash-row', data: { pid: c.pid }, open: open.has(key) },
      h('summary', {},
        h('span', { class: 'mono small muted' }, fmtTime(c.at_ms)), ' ',
        h('span', { class: `tag tag-${c.kind === 'crash' ? 'failed' : 'supervisor'}` }, c.kind), ' ',
        pidLink(c.pid), ' ',
        h('span', { class: 'mono' }, c.module ?? ''), c.name ? h('span', { class: 'muted' }, ` (${c.name})`) : null, ' ',
        h('span', { class: 'reason mono' }, c.reason ?? ''),
        c.action ? h('span', { class: 'muted small' }, ` → ${c.action}`) : null),
      c.last_message ? [h('h3', {}, 'Last message'), h('pre', { class: 'mono' }, c.last_message)] : null,
      c.backtrace ? [h('h3', {}, 'Backtrace'), h('pre', { class: 'mono' }, c.backtrace)] : null,
      !c.last_message && !c.backtrace ? h('p', { class: 'muted small' }, 'No backtrace or last message recorded.') : null);
    det.addEventListener('toggle', () => (det.open ? open.add(key) : open.delete(key)));
    return det;
  }

  scope.every(5000, load);
  const soon = debounce(load, 500);
  scope.add(soon.cancel);
  scope.on('exited', soon);
}
