// Process page (#/process/<N>): everything GET /api/processes/{pid} returns, plus Kill,
// Exit-with-reason and the message inject form. The static parts (buttons, forms) are built
// once; only the data panels are redrawn on each poll so typing is never interrupted.

import { api, post } from './api.js';
import { fmtBytes, fmtDuration, fmtInt, fmtMicros, fmtPercent, h, pidLink, pidNum, pidStr, preview, replace } from './dom.js';
import { sendForm } from './send.js';

export function mount(root, params, scope) {
  const pid = pidStr(pidNum(params.arg || ''));
  const num = pidNum(pid);
  let dead = false;
  let lastOutput = '';
  let cpuSample = null; // { us, t } from the previous poll, for CPU now

  const titleName = h('span', { class: 'title-name' });
  const title = h('h1', {}, 'Process ', h('span', { class: 'mono' }, pid), titleName);
  const deadBadge = h('span', { class: 'dead-badge', testid: 'detail-dead', hidden: true }, 'DEAD');
  const notFound = h('div', { class: 'error', hidden: true });
  const overview = h('dl', { class: 'kv' });
  const relations = h('div', { class: 'relations' });
  const lastExit = h('div', { class: 'last-exit', hidden: true });
  const mailboxInfo = h('span', { class: 'muted small' });
  const mailbox = h('tbody');
  const output = h('div', { class: 'output', testid: 'output', tabindex: 0 });
  const actionResult = h('div', { class: 'result', testid: 'action-result', 'aria-live': 'polite' });

  const relationsCard = h('section', { class: 'card' }, h('h2', {}, 'Links & monitors'), relations);
  const mailboxCard = h('section', { class: 'card' },
    h('h2', {}, 'Mailbox ', mailboxInfo),
    h('table', { class: 'grid mailbox' },
      h('thead', {}, h('tr', {}, h('th', {}, 'kind'), h('th', {}, 'sender'), h('th', { class: 'num' }, 'size'), h('th', {}, 'content'))),
      mailbox));

  const killBtn = h('button', { type: 'button', class: 'danger', testid: 'kill-button', on: { click: () => exit('kill') } }, 'Kill');
  const reason = h('input', { type: 'text', class: 'mono', placeholder: 'shutdown', testid: 'exit-reason', 'aria-label': 'exit reason' });
  const exitBtn = h('button', { type: 'button', testid: 'exit-button', on: { click: () => exit(reason.value.trim() || 'shutdown') } }, 'Exit with reason');
  const subtreeBtn = h('button', { type: 'button', class: 'danger', testid: 'end-subtree-button',
    title: 'end this process and every process spawned below it', on: { click: () => endSubtree() } }, 'End subtree');

  replace(root,
    h('div', { class: 'detail', testid: 'process-detail', data: { pid } },
      h('div', { class: 'detail-head' }, title, deadBadge,
        h('span', { class: 'spacer' }),
        h('div', { class: 'actions' }, killBtn, reason, exitBtn, subtreeBtn)),
      actionResult,
      notFound,
      lastExit,
      h('div', { class: 'detail-grid' },
        h('section', { class: 'card' }, h('h2', {}, 'Overview'), overview),
        relationsCard),
      mailboxCard,
      h('section', { class: 'card' }, h('h2', {}, 'Output (last 200 lines)'), output),
      h('section', { class: 'card' }, h('h2', {}, 'Send a message to ', h('span', { class: 'mono' }, pid)),
        sendForm({ to: pid, prefix: 'inject' }))));

  async function exit(why) {
    killBtn.disabled = exitBtn.disabled = true;
    try {
      const res = await post(`/api/processes/${num}/exit`, { reason: why });
      actionResult.className = 'result ok';
      actionResult.textContent = `exit signal sent to ${res.pid}: ${res.reason}`;
      load();
    } catch (e) {
      actionResult.className = 'result error';
      actionResult.textContent = String(e);
    } finally {
      killBtn.disabled = exitBtn.disabled = dead;
    }
  }

  async function endSubtree() {
    subtreeBtn.disabled = true;
    try {
      const res = await post('/api/end', { subtree: pid });
      const removed = (res.removed_children || []).length;
      actionResult.className = res.left ? 'result error' : 'result ok';
      actionResult.textContent = `ended ${res.ended} process${res.ended === 1 ? '' : 'es'} of the subtree of ${pid}` +
        (removed ? `, ${removed} removed from their supervisors` : '') + (res.left ? `, ${res.left} still running` : '');
      load();
    } catch (e) {
      actionResult.className = 'result error';
      actionResult.textContent = String(e);
    } finally {
      subtreeBtn.disabled = dead;
    }
  }

  async function load() {
    if (dead) return; // a dead process's record no longer changes
    try {
      const p = await api(`/api/processes/${num}`);
      if (!scope.alive) return;
      notFound.hidden = true;
      render(p);
    } catch (e) {
      if (!scope.alive) return;
      notFound.hidden = false;
      notFound.textContent = e.status === 404
        ? `No process ${pid}: it never existed, or it exited too long ago to be remembered.`
        : `could not load ${pid}: ${e}`;
    }
  }

  function render(p) {
    dead = p.status === 'exited';
    deadBadge.hidden = !dead;
    root.querySelector('.detail').classList.toggle('is-dead', dead);
    subtreeBtn.disabled = dead || p.kind !== 'wasm';
    killBtn.disabled = exitBtn.disabled = dead;
    document.title = `${dead ? '*DEAD* ' : ''}${p.name || p.pid} · Hatchery`;

    titleName.textContent = p.name ? ` ${p.name}` : '';
    // A dead pid's record carries only some fields; show what is there.
    const has = (k) => k in p;
    replace(overview, ...field('pid', h('span', { class: 'mono', testid: 'detail-pid' }, p.pid)),
      ...field('name', h('span', { testid: 'detail-name' }, p.name ?? '—')),
      ...field('module', h('span', { class: 'mono', testid: 'detail-version' }, has('version') ? `${p.module}@${p.version}` : p.module)),
      ...field('status', h('span', { class: `status status-${p.status}`, testid: 'detail-status' }, dead ? 'DEAD (exited)' : p.status)),
      ...(has('kind') ? field('kind', p.kind) : []),
      ...(has('parent') ? field('parent', p.parent ? pidLink(p.parent, { testid: 'detail-parent' }) : '—') : []),
      ...(has('trap_exit') ? field('trap_exit', String(p.trap_exit)) : []),
      ...(has('mailbox_len') ? field('mailbox', fmtInt(p.mailbox_len)) : []),
      ...(has('memory_bytes') ? field('memory', fmtBytes(p.memory_bytes)) : []),
      ...(has('cpu_us') || has('cpu_ticks') ? field('cpu', h('span', { testid: 'detail-cpu' },
        h('span', { testid: 'detail-cpu-time', title: 'time on a scheduler: guest code and host calls' }, fmtMicros(p.cpu_us)),
        cpuNow(p),
        has('cpu_ticks') ? ` · ${fmtInt(p.cpu_ticks)} ticks` : '',
        p.callback_cpu_limit_ms ? ` · ${fmtDuration(p.callback_cpu_limit_ms)} per callback at most` : ' · no cap per callback')) : []),
      ...(p.output_dropped_bytes ? field('output dropped', h('span', { testid: 'detail-output-dropped' },
        `${fmtBytes(p.output_dropped_bytes)} (over the output rate)`)) : []),
      ...(has('subtree') && p.subtree !== p.pid ? field('subtree of', pidLink(p.subtree, { testid: 'detail-subtree' })) : []),
      ...(has('grants') ? field('grants', h('span', { testid: 'detail-grants' }, grantsText(p.grants))) : []),
      ...(has('received') ? field('received', fmtInt(p.received)) : []),
      ...(has('sent') ? field('sent', fmtInt(p.sent)) : []),
      ...(has('uptime_ms') ? field('uptime', fmtDuration(p.uptime_ms)) : []));
    relationsCard.hidden = dead && !has('links');
    mailboxCard.hidden = dead && !has('mailbox');

    renderRelations(p);
    renderExit(p.last_exit);
    renderMailbox(p);
    renderOutput(p.output || []);
  }

  /** " · 3.2% now": cpu_us gained since the previous poll over the time between them. */
  function cpuNow(p) {
    const us = typeof p.cpu_us === 'number' ? p.cpu_us : null;
    const t = performance.now();
    const before = cpuSample;
    cpuSample = us === null ? null : { us, t };
    if (dead || !before || us === null || t <= before.t) return '';
    const frac = Math.max(0, us - before.us) / ((t - before.t) * 1000);
    return h('span', { testid: 'detail-cpu-now', title: 'share of one scheduler thread since the previous refresh' }, ` · ${fmtPercent(frac)} now`);
  }

  function renderRelations(p) {
    const links = Array.isArray(p.links) ? p.links : [];
    const monitors = Array.isArray(p.monitors) ? p.monitors : [];
    const monitoredBy = Array.isArray(p.monitored_by) ? p.monitored_by : [];
    const list = (items, fn, testid) => (items.length
      ? h('ul', { class: 'pids', testid }, items.map((x) => h('li', {}, fn(x))))
      : h('span', { class: 'muted' }, 'none'));
    const mon = (m) => [pidLink(m.pid), h('span', { class: 'muted small' }, ` ref ${m.ref}`)];
    replace(relations, h('dl', { class: 'kv' },
      ...field(`links (${links.length})`, list(links, (l) => pidLink(l), 'detail-links')),
      ...field(`monitors (${monitors.length})`, list(monitors, mon, 'detail-monitors')),
      ...field(`monitored by (${monitoredBy.length})`, list(monitoredBy, mon, 'detail-monitored-by'))));
  }

  function renderExit(ex) {
    lastExit.hidden = !ex;
    if (ex) replace(lastExit, h('strong', {}, 'Last exit: '), h('span', { class: 'mono' }, ex.reason ?? '—'), ex.kind ? h('span', { class: 'tag' }, ex.kind) : null);
  }

  function renderMailbox(p) {
    const msgs = p.mailbox || [];
    mailboxInfo.textContent = msgs.length ? `(showing ${msgs.length} of ${fmtInt(p.mailbox_len ?? msgs.length)})` : '';
    if (!msgs.length) {
      replace(mailbox, h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'empty')));
      return;
    }
    replace(mailbox, msgs.map((m) => h('tr', { testid: 'mailbox-row' },
      h('td', {}, h('span', { class: `tag tag-${m.kind}` }, m.kind)),
      h('td', {}, pidLink(m.sender)),
      h('td', { class: 'num' }, fmtBytes(m.size)),
      h('td', { class: 'mono wrap' }, m.json !== null && m.json !== undefined ? preview(m.json, 400) : (m.text ?? '')))));
  }

  function renderOutput(lines) {
    const sig = JSON.stringify(lines);
    if (sig === lastOutput) return;
    lastOutput = sig;
    // Stay pinned to the bottom unless the user scrolled up to read.
    const pinned = output.scrollTop + output.clientHeight >= output.scrollHeight - 20;
    if (!lines.length) replace(output, h('span', { class: 'muted' }, 'no output'));
    else replace(output, lines.map((l) => h('div', { class: `line ${l.stream}`, testid: 'output-line', data: { stream: l.stream } }, l.text)));
    if (pinned) output.scrollTop = output.scrollHeight;
  }

  scope.add(() => { document.title = 'Hatchery inspector'; });
  scope.every(1000, load);
}

function field(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}

/** "supervise · spawn: a, b" for a process's grants; "none beyond its subtree" when it has none. */
function grantsText(g) {
  const parts = ['supervise', 'rollback', 'signal_any'].filter((k) => g[k]).map((k) => k.replace('_', ' '));
  parts.push(g.spawn ? `spawn only: ${g.spawn.join(', ') || 'nothing'}` : 'spawn any module');
  if (g.names) parts.push(`names starting ${g.names}`);
  return parts.join(' · ');
}
