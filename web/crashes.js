// Crash log (#/crashes): GET /api/crashes, newest first. A crash report unfolds to its full
// reason (trap, last message, backtrace) and last output; a supervisor report says which
// child ended, why, and what the supervisor did (restarted as a new pid, or not).

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
    const key = `${c.at_ms}/${c.pid}/${c.kind}/${c.child ?? ''}`;
    // A crash's reason holds the trap message, then (for behaviours) the last message in and
    // the Wasm backtrace: the first line is the summary, the rest unfolds.
    const reason = String(c.reason ?? '');
    const [headline, ...more] = reason.split('\n');
    const output = Array.isArray(c.output) ? c.output.map((l) => (typeof l === 'string' ? l : l?.text ?? '')) : [];
    const det = h('details', { class: `card crash kind-${c.kind}`, testid: 'crash-row', data: { pid: c.pid }, open: open.has(key) },
      h('summary', {},
        h('span', { class: 'mono small muted' }, fmtTime(c.at_ms)), ' ',
        h('span', { class: `tag tag-${c.kind === 'crash' ? 'failed' : 'supervisor'}` }, c.kind), ' ',
        pidLink(c.pid), ' ',
        c.kind === 'supervisor'
          ? supervisorLine(c)
          : [h('span', { class: 'mono' }, c.module ?? ''), c.name ? h('span', { class: 'muted' }, ` (${c.name})`) : null, ' ',
            h('span', { class: 'reason mono' }, headline), c.action ? h('span', { class: 'muted small' }, ` → ${c.action}`) : null]),
      more.length && c.kind !== 'supervisor' ? [h('h3', {}, 'Reason'), h('pre', { class: 'mono' }, reason)] : null,
      c.last_message ? [h('h3', {}, 'Last message'), h('pre', { class: 'mono' }, c.last_message)] : null,
      c.backtrace ? [h('h3', {}, 'Backtrace'), h('pre', { class: 'mono' }, c.backtrace)] : null,
      output.length ? [h('h3', {}, 'Last output'), h('pre', { class: 'mono' }, output.join('\n'))] : null,
      !(more.length && c.kind !== 'supervisor') && !c.last_message && !c.backtrace && !output.length
        ? h('p', { class: 'muted small' }, 'Nothing more was recorded.') : null);
    det.addEventListener('toggle', () => (det.open ? open.add(key) : open.delete(key)));
    return det;
  }

  /** "child kv <0.5> killed → restarted as <0.12>" for a supervisor report. */
  function supervisorLine(c) {
    return [
      h('span', { class: 'muted' }, 'child '), h('strong', {}, c.child ?? '?'), ' ',
      c.old_pid ? pidLink(c.old_pid) : null, ' ',
      h('span', { class: 'reason mono' }, c.reason ?? ''),
      h('span', { class: 'muted small' }, ` → ${(c.action ?? '').replaceAll('_', ' ')}`),
      c.new_pid ? [h('span', { class: 'muted small' }, ' as '), pidLink(c.new_pid)] : null,
    ];
  }

  scope.every(5000, load);
  const soon = debounce(load, 500);
  scope.add(soon.cancel);
  scope.on('exited', soon);
}
