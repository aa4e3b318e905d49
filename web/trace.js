// Message flow (#/trace/<id>): follows one injected message. Polls GET /api/traces/{id} for a
// few seconds while the cascade settles and draws the hops as a sequence diagram: one lane
// per participant, one arrow per hop in time order, labelled with the message preview.

import { api } from './api.js';
import { fmtBytes, fmtInt, h, isPid, pidLink, pidNum, preview, replace, s } from './dom.js';

const POLL_MS = 500;
const POLL_FOR_MS = 5000;
const LANE_W = 170;
const TIME_W = 80;
const HEAD_H = 46;
const ROW_H = 34;
const names = new Map(); // pid -> "name" / "module", looked up once per page load

export function mount(root, params, scope) {
  const id = params.arg || '';
  const status = h('span', { class: 'muted small', testid: 'trace-status' });
  const diagram = h('div', { class: 'seq-wrap' });
  const hopsBody = h('tbody');
  let last = null;
  let pollUntil = 0;

  replace(root,
    h('div', { class: 'toolbar' },
      h('h1', {}, 'Message flow ', h('span', { class: 'mono' }, id)),
      h('span', { class: 'spacer' }), status,
      h('button', { type: 'button', on: { click: () => { pollUntil = performance.now() + POLL_FOR_MS; load(); } } }, 'Refresh')),
    h('section', { class: 'card', testid: 'trace' }, diagram),
    h('section', { class: 'card' }, h('h2', {}, 'Hops'),
      h('table', { class: 'grid hops' },
        h('thead', {}, h('tr', {}, ['#', 'time', 'from', 'to', 'depth', 'size', 'preview'].map((c) => h('th', {}, c)))),
        hopsBody)));

  async function load() {
    try {
      const t = await api(`/api/traces/${encodeURIComponent(id)}`);
      if (!scope.alive) return;
      last = t;
      render(t);
      lookupNames(t.hops || []);
    } catch (e) {
      if (!scope.alive) return;
      status.textContent = '';
      replace(diagram, h('p', { class: 'error' }, e.status === 404 ? `No trace ${id} (unknown, or expired).` : `could not load trace: ${e}`));
    }
  }

  async function lookupNames(hops) {
    const missing = [...new Set(hops.flatMap((x) => [x.from, x.to]))].filter((p) => isPid(p) && !names.has(p));
    if (!missing.length) return;
    await Promise.all(missing.map(async (p) => {
      names.set(p, null);
      try {
        const info = await api(`/api/processes/${pidNum(p)}`);
        names.set(p, info.name || info.module || null);
      } catch { /* unknown pid: lane shows the pid only */ }
    }));
    if (scope.alive && last) render(last);
  }

  function render(t) {
    const hops = [...(t.hops || [])].sort((a, b) => a.at_us - b.at_us || a.depth - b.depth);
    const polling = performance.now() < pollUntil;
    status.textContent = `${hops.length} hop${hops.length === 1 ? '' : 's'}${t.truncated ? ' · truncated' : ''}${polling ? ' · following…' : ''}`;
    if (!hops.length) {
      replace(diagram, h('p', { class: 'muted' }, 'No hops recorded yet.'));
      replace(hopsBody);
      return;
    }
    replace(diagram, sequence(hops), t.truncated ? h('p', { class: 'warn small' }, 'The trace was truncated: the node stopped recording hops for it.') : null);
    const t0 = hops[0].at_us;
    replace(hopsBody, hops.map((x, i) => h('tr', {},
      h('td', { class: 'num' }, i + 1),
      h('td', { class: 'num mono' }, `+${fmtUs(x.at_us - t0)}`),
      h('td', {}, pidLink(x.from)),
      h('td', {}, pidLink(x.to)),
      h('td', { class: 'num' }, fmtInt(x.depth)),
      h('td', { class: 'num' }, fmtBytes(x.size)),
      h('td', { class: 'mono wrap' }, x.preview ?? '',
        // The recipient was gone (or its mailbox full) when the message arrived.
        x.delivered === false ? h('span', { class: 'tag tag-failed' }, 'not delivered') : null,
        // Sent to another node's process: that node records the rest of the flow.
        x.node ? h('span', { class: 'tag', title: `node ${x.node} records what this message sets off there` }, `to node ${x.node}`) : null))));
  }

  // Poll while the cascade is likely still growing, then stop (Refresh polls again).
  pollUntil = performance.now() + POLL_FOR_MS;
  const tick = async () => {
    if (!scope.alive) return;
    await load();
    if (scope.alive && performance.now() < pollUntil) timer = setTimeout(tick, POLL_MS);
    else if (last) render(last);
  };
  let timer = null;
  tick();
  scope.add(() => clearTimeout(timer));
}

function fmtUs(us) {
  if (us < 1000) return `${us}µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(2)}ms`;
  return `${(us / 1e6).toFixed(2)}s`;
}

/** Builds the SVG sequence diagram. Colours and fonts come from style.css classes. */
function sequence(hops) {
  const lanes = [];
  for (const x of hops) for (const p of [x.from, x.to]) if (!lanes.includes(p)) lanes.push(p);
  const laneX = (p) => TIME_W + lanes.indexOf(p) * LANE_W + LANE_W / 2;
  // Extra room on the right for the label of a self-send on the last lane.
  const width = TIME_W + lanes.length * LANE_W + 120;
  const height = HEAD_H + hops.length * ROW_H + 16;
  const t0 = hops[0].at_us;

  const svg = s('svg', { class: 'seq', testid: 'trace-diagram', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'message sequence diagram' },
    s('defs', {},
      s('marker', { id: 'seq-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'seq-arrowhead' }))));

  lanes.forEach((p) => {
    const x = laneX(p);
    const label = names.get(p);
    const head = s('g', { class: 'seq-lane', testid: 'trace-lane', data: { pid: p } },
      s('line', { x1: x, y1: HEAD_H - 6, x2: x, y2: height - 6, class: 'seq-lifeline' }),
      s('text', { x, y: 16, class: 'seq-lane-pid', 'text-anchor': 'middle' }, p),
      label ? s('text', { x, y: 31, class: 'seq-lane-name', 'text-anchor': 'middle' }, clip(label, 22)) : null);
    // Lanes for real processes link to their process page.
    svg.appendChild(isPid(p) ? s('a', { href: `#/process/${pidNum(p)}` }, head) : head);
  });

  hops.forEach((x, i) => {
    const y = HEAD_H + i * ROW_H + ROW_H / 2 + 6;
    const x1 = laneX(x.from);
    const x2 = laneX(x.to);
    const g = s('g', { class: `seq-hop depth-${Math.min(x.depth, 5)}`, testid: 'trace-hop', data: { from: x.from, to: x.to } },
      s('title', {}, `${x.from} → ${x.to} · depth ${x.depth} · ${x.size} bytes\n${x.preview ?? ''}`),
      s('text', { x: 6, y: y + 4, class: 'seq-time' }, `+${fmtUs(x.at_us - t0)}`));
    if (x1 === x2) {
      // A message to self: a small loop on the lifeline.
      g.appendChild(s('path', { d: `M${x1},${y - 8} h28 v16 h-26`, class: 'seq-arrow', 'marker-end': 'url(#seq-arrow)', fill: 'none' }));
      g.appendChild(s('text', { x: x1 + 34, y: y + 4, class: 'seq-label' }, clip(x.preview ?? '', 24)));
    } else {
      g.appendChild(s('line', { x1, y1: y, x2: x2 + (x2 > x1 ? -2 : 2), y2: y, class: 'seq-arrow', 'marker-end': 'url(#seq-arrow)' }));
      g.appendChild(s('text', { x: (x1 + x2) / 2, y: y - 5, class: 'seq-label', 'text-anchor': 'middle' },
        clip(preview(x.preview ?? ''), Math.max(12, Math.floor(Math.abs(x2 - x1) / 7)))));
    }
    svg.appendChild(g);
  });
  return svg;
}

function clip(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
