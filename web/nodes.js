// Nodes (#/nodes): GET /api/nodes every second. The other nodes of the cluster with their
// state (connected, or heard of and down) and when each was last heard, and the links and
// monitors between this node's processes and theirs, as observer's "Nodes" menu and
// `net_adm:names` show an Erlang cluster.

import { api } from './api.js';
import { fmtDuration, fmtInt, h, pidLink, replace } from './dom.js';

const KIND = { link: 'linked to', monitor: 'monitors', monitored_by: 'monitored by' };

export function mount(root, _params, scope) {
  const title = h('span', { class: 'muted small', testid: 'nodes-self' }, '');
  const body = h('div', { testid: 'nodes' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Nodes'), title), body);

  scope.every(1000, async () => {
    let res;
    try {
      res = await api('/api/nodes');
    } catch (e) {
      if (scope.alive) replace(body, h('p', { class: 'error' }, `could not load the nodes: ${e}`));
      return;
    }
    if (!scope.alive) return;
    title.textContent = res.slot == null ? `${res.node} (alone)` : `this node: ${res.node} · slot ${res.slot}`;
    const nodes = res.nodes || [];
    if (!nodes.length) {
      replace(body, h('p', { class: 'muted', testid: 'nodes-alone' },
        res.slot == null
          ? 'This node runs alone: start it with --node NAME --nats URL to join a cluster.'
          : 'No other node of the cluster has been heard of yet.'));
      return;
    }
    const heads = [['node'], ['slot', 'num'], ['state'], ['last heard', 'num'], ['links', 'num'], ['monitors', 'num'], ['monitored by', 'num']];
    replace(body,
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, heads.map(([c, cls]) => h('th', { class: cls ?? null }, c)))),
        h('tbody', {}, nodes.map(row)))),
      h('p', { class: 'muted small' }, 'The busiest processes of every node: ',
        h('a', { href: '#/top?scope=cluster', testid: 'nodes-top' }, 'Top for the whole cluster'), '.'),
      nodes.map(relations));
  });
}

function row(n) {
  const state = n.up ? 'up' : 'down';
  return h('tr', { testid: 'node-row', data: { node: n.name } },
    h('td', { class: 'mono' }, n.name),
    h('td', { class: 'mono num' }, String(n.slot)),
    h('td', {}, h('span', { class: `tag tag-${n.up ? 'ok' : 'down'}`, testid: 'node-state' }, state)),
    h('td', { class: 'num' }, `${fmtDuration(n.last_heard_ms)} ago`),
    h('td', { class: 'num' }, fmtInt(n.links)),
    h('td', { class: 'num' }, fmtInt(n.monitors)),
    h('td', { class: 'num' }, fmtInt(n.monitored_by)));
}

function relations(n) {
  const items = n.relations || [];
  if (!items.length) return null;
  const total = n.links + n.monitors + n.monitored_by;
  return h('section', { class: 'card', testid: 'node-relations', data: { node: n.name } },
    h('h2', {}, `With ${n.name}`, total > items.length ? h('span', { class: 'muted small' }, ` (${items.length} of ${fmtInt(total)})`) : null),
    h('ul', { class: 'pids' }, items.map((r) => h('li', {},
      pidLink(r.local), h('span', { class: 'muted' }, ` ${KIND[r.kind] ?? r.kind} `), pidLink(r.remote)))));
}
