// Entry point: hash router, node summary header, connection banner, and the view lifecycle.
//
// Each view module exports `mount(root, params, scope)`. The Scope owns everything the view
// starts (pollers, SSE subscriptions, timers) and is disposed when the route changes, so only
// the active view polls (as observer does: "Only the active viewer is updated").

import { api, captureToken, onConnection, onEvent, startEvents } from './api.js';
import { fmtBytes, fmtDuration, fmtInt, h, replace } from './dom.js';
import * as table from './table.js';
import * as top from './top.js';
import * as process from './process.js';
import * as tree from './tree.js';
import * as modules from './modules.js';
import * as charts from './charts.js';
import * as events from './events.js';
import * as crashes from './crashes.js';
import * as trace from './trace.js';
import * as nodes from './nodes.js';

/** Lifetime of one mounted view. */
export class Scope {
  constructor() {
    this.alive = true;
    this.cleanups = [];
  }

  /** Runs `fn` now and then `ms` after each run finishes (never overlapping). */
  every(ms, fn) {
    let timer = null;
    const tick = async () => {
      if (!this.alive) return;
      try { await fn(); } catch (e) { console.debug('poll failed', e); }
      if (this.alive) timer = setTimeout(tick, ms);
    };
    tick();
    this.add(() => clearTimeout(timer));
  }

  /** Subscribes to an SSE event type for the lifetime of the view. */
  on(type, fn) {
    this.add(onEvent(type, fn));
  }

  add(cleanup) {
    this.cleanups.push(cleanup);
  }

  dispose() {
    this.alive = false;
    for (const c of this.cleanups.splice(0)) c();
  }
}

// route name -> [view module, nav entry to highlight]
const ROUTES = {
  processes: [table, 'processes'],
  top: [top, 'top'],
  process: [process, 'processes'],
  tree: [tree, 'tree'],
  modules: [modules, 'modules'],
  charts: [charts, 'charts'],
  events: [events, 'events'],
  crashes: [crashes, 'crashes'],
  trace: [trace, 'processes'],
  nodes: [nodes, 'nodes'],
};

let current = null;

/** "#/process/12?x=1" -> { name: 'process', arg: '12', query: URLSearchParams } */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, qs = ''] = raw.split('?');
  const [name, ...rest] = path.split('/');
  return { name: name || 'processes', arg: rest.length ? decodeURIComponent(rest.join('/')) : null, query: new URLSearchParams(qs) };
}

function route() {
  const params = parseHash();
  const [view, navName] = ROUTES[params.name] || [null, null];
  if (current) current.dispose();
  current = new Scope();
  for (const a of document.querySelectorAll('.nav a')) a.classList.toggle('active', a.dataset.route === navName);
  const root = document.getElementById('view');
  replace(root);
  root.className = `view view-${params.name}`;
  if (!view) {
    replace(root, h('p', { class: 'error' }, `No such view: ${params.name}. `), h('a', { href: '#/processes' }, 'Back to processes'));
    return;
  }
  view.mount(root, params, current);
  window.scrollTo(0, 0);
}

// ---- header summary -----------------------------------------------------------------------

const node = { uptimeMs: null, fetchedAt: 0 };

function setText(id, text) {
  const el = document.getElementById(id);
  if (el) el.textContent = text;
}

function showProcs(count, max) {
  setText('sum-procs', max ? `${fmtInt(count)} / ${fmtInt(max)}` : fmtInt(count));
  const ratio = max ? count / max : 0;
  const meter = document.getElementById('sum-procs-meter');
  meter.value = Math.min(ratio, 1);
  // observer_cli shows limits in red above 85%.
  document.getElementById('sum-procs').classList.toggle('hot', ratio > 0.85);
  node.max = max;
}

// The node's name and the other nodes of its cluster (none when it runs alone).
function showCluster(name, peers) {
  const up = peers.filter((p) => p.up).length;
  setText('sum-node', peers.length ? `${name} · ${up}/${peers.length} up` : (name || '—'));
  const el = document.getElementById('sum-node');
  if (!el) return;
  el.classList.toggle('hot', up < peers.length);
  el.title = peers.length
    ? peers.map((p) => `${p.name} (slot ${p.slot}): ${p.up ? 'up' : 'down'}, heard ${fmtDuration(p.last_heard_ms)} ago`).join('\n')
    : 'this node runs alone (no --nats)';
}

async function refreshNode() {
  try {
    const n = await api('/api/node');
    node.uptimeMs = n.uptime_ms;
    node.fetchedAt = performance.now();
    showProcs(n.processes, n.max_processes);
    setText('sum-rss', fmtBytes(n.memory_rss_bytes));
    setText('node-version', n.version ? `v${n.version}` : '');
    showCluster(n.node, n.peers || []);
    const st = n.stats || {};
    const refused = Object.entries(n.refused || {}).filter(([, v]) => v > 0)
      .map(([k, v]) => `${k.replaceAll('_', ' ')} ${fmtInt(v)}`);
    document.querySelector('.summary').title =
      `spawned ${fmtInt(st.spawned)} · exited ${fmtInt(st.exited)} · sent ${fmtInt(st.sent)} · ` +
      `dropped (dead) ${fmtInt(st.dropped_dead)} · dropped (overflow) ${fmtInt(st.dropped_overflow)} · instantiated ${fmtInt(st.instantiated)}` +
      ` · guest memory ${fmtBytes(n.guest_memory_bytes ?? 0)}` +
      (refused.length ? ` · refused by caps: ${refused.join(', ')}` : '');
  } catch {
    // The banner reports unreachability; keep the last values on screen.
  }
}

function tickUptime() {
  // Do not pretend the node is still up while it cannot be reached.
  if (node.uptimeMs === null || document.body.classList.contains('offline')) return;
  setText('sum-uptime', fmtDuration(node.uptimeMs + (performance.now() - node.fetchedAt)));
}

function watchStats() {
  onEvent('stats', (st) => {
    if (typeof st.processes === 'number') showProcs(st.processes, node.max);
    if (typeof st.messages_per_sec === 'number') setText('sum-mps', fmtInt(Math.round(st.messages_per_sec)));
    if (typeof st.memory_rss_bytes === 'number') setText('sum-rss', fmtBytes(st.memory_rss_bytes));
  });
}

// ---- banner --------------------------------------------------------------------------------

function watchConnection() {
  const banner = document.getElementById('banner');
  onConnection((c) => {
    let text = '';
    let kind = 'warn';
    if (c.unauthorized) {
      text = 'Unauthorized: open the inspector with #token=<token> in the URL.';
      kind = 'error';
    } else if (!c.http) text = 'Disconnected from the node, retrying…';
    else if (!c.sse) text = 'Disconnected from the live event stream, retrying…';
    banner.hidden = !text;
    banner.className = `banner ${kind}`;
    banner.textContent = text;
    document.body.classList.toggle('offline', !c.http);
  });
}

// ---- start ---------------------------------------------------------------------------------

function start() {
  captureToken();
  if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/processes');
  watchConnection();
  charts.init();
  events.init();
  watchStats();
  startEvents();
  refreshNode().then(tickUptime);
  setInterval(refreshNode, 2000);
  setInterval(tickUptime, 1000);
  window.addEventListener('hashchange', () => {
    captureToken();
    route();
  });
  route();
}

start();
