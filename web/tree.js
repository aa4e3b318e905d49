// Supervision tree (#/tree): nested boxes from GET /api/tree with strategy, child id, pid and
// restart count; a Kill button per worker so you can watch the supervisor restart it. A node
// whose pid changed since the last refresh (i.e. it was restarted) flashes.

import { api, post } from './api.js';
import { debounce, fmtInt, fmtMicros, h, pidLink, pidNum, replace } from './dom.js';

export function mount(root, _params, scope) {
  const result = h('div', { class: 'result', testid: 'tree-result', 'aria-live': 'polite' });
  const container = h('div', { class: 'tree', testid: 'tree' }, h('p', { class: 'muted' }, 'Loading…'));
  const collapsed = new Set(); // paths of supervisors the user folded
  let previous = new Map(); // path -> { pid, restarts } from the last render

  replace(root,
    h('div', { class: 'toolbar' },
      h('h1', {}, 'Supervision tree'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', on: { click: () => { collapsed.clear(); load(); } } }, 'Expand all')),
    h('p', { class: 'muted small' }, 'Kill a worker and watch its supervisor restart it (the node flashes when its pid changes).'),
    result,
    container);

  async function kill(node) {
    try {
      const res = await post(`/api/processes/${pidNum(node.pid)}/exit`, { reason: 'kill' });
      result.className = 'result ok';
      result.textContent = `killed ${node.id} (${res.pid}): ${res.reason}`;
    } catch (e) {
      result.className = 'result error';
      result.textContent = `kill ${node.pid}: ${e}`;
    }
    load();
  }

  async function load() {
    try {
      const res = await api('/api/tree');
      if (!scope.alive) return;
      render(res.roots || []);
    } catch (e) {
      if (!scope.alive) return;
      replace(container, h('p', { class: 'error' }, `could not load the tree: ${e}`));
    }
  }

  function render(roots) {
    const seen = new Map();
    if (!roots.length) {
      replace(container, h('p', { class: 'muted' }, 'No supervisors are running.'));
    } else {
      replace(container, h('ul', { class: 'tree-list' }, roots.map((n, i) => nodeItem(n, `${i}:${n.id}`, seen))));
    }
    previous = seen;
  }

  function nodeItem(node, path, seen) {
    const before = previous.get(path);
    seen.set(path, { pid: node.pid, restarts: node.restarts });
    const restarted = before && before.pid !== node.pid;
    const isSup = node.kind === 'supervisor';
    const children = node.children || [];
    const folded = collapsed.has(path);
    const toggle = isSup && children.length
      ? h('button', { type: 'button', class: 'fold', 'aria-expanded': String(!folded), title: folded ? 'expand' : 'collapse',
        on: { click: () => { if (folded) collapsed.delete(path); else collapsed.add(path); load(); } } }, folded ? '▸' : '▾')
      : h('span', { class: 'fold-spacer' });

    const box = h('div', {
      class: ['tree-node', `kind-${node.kind}`, restarted && 'restarted'],
      testid: 'tree-node',
      data: { pid: node.pid, id: node.id, kind: node.kind, restarts: node.restarts ?? 0,
        'child-restarts': node.restarts_of_children ?? 0, 'cpu-us': typeof node.cpu_us === 'number' ? node.cpu_us : '' },
    },
    toggle,
    h('span', { class: `tag tag-${isSup ? 'supervisor' : 'worker'}` }, isSup ? 'sup' : 'worker'),
    h('strong', { class: 'node-id' }, node.id),
    pidLink(node.pid),
    h('span', { class: 'mono muted' }, node.module),
    node.name ? h('span', { class: 'muted' }, `(${node.name})`) : null,
    node.strategy ? h('span', { class: 'tag tag-strategy' }, node.strategy) : null,
    // How often its supervisor restarted this node; for a supervisor also how many restarts
    // it made of its own children (what its intensity limit sees).
    h('span', { class: ['restarts', node.restarts > 0 && 'warn', before && before.restarts !== node.restarts && 'bumped'], title: 'times its supervisor restarted it' },
      `restarted ${fmtInt(node.restarts ?? 0)}`),
    isSup ? h('span', { class: ['restarts', 'muted'], title: 'restarts of its children' },
      `children restarted ${fmtInt(node.restarts_of_children ?? 0)}`) : null,
    subtreeInfo(node),
    // A child being restarted, or a temporary one that ended, has no pid to kill.
    !isSup ? h('button', { type: 'button', class: 'danger small', testid: 'tree-kill', disabled: !node.pid,
      title: node.pid ? `kill ${node.pid}` : 'not running', on: { click: () => kill(node) } }, 'kill') : null);

    return h('li', {}, box,
      children.length && !folded
        ? h('ul', {}, children.map((c, i) => nodeItem(c, `${path}/${i}:${c.id}`, seen)))
        : null);
  }

  scope.every(2000, load);
  const soon = debounce(load, 150);
  scope.add(soon.cancel);
  scope.on('spawned', soon);
  scope.on('exited', soon);
}

/** "cpu 12.3ms · 4 live": the CPU of the child's whole subtree (it and everything spawned
 *  below it, live and ended) and how many of its processes are alive. */
function subtreeInfo(node) {
  const procs = node.subtree_processes;
  // A worker alone in its subtree needs no count.
  const counted = typeof procs === 'number' && (procs !== 1 || node.kind === 'supervisor');
  return h('span', { class: 'subtree-cpu mono small', testid: 'tree-cpu',
    title: 'CPU of its subtree: it and every process spawned below it, live and ended' },
  `cpu ${fmtMicros(node.cpu_us)}`, counted ? ` · ${fmtInt(procs)} live` : '');
}
