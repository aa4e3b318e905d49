// End-to-end test of the browser inspector against a real node, in a real headless Chromium.
//
// It starts `hatchery run apps/demo` on a free port, opens the inspector, finds the messenger
// server in the process table, injects a logon and a message through the process page's
// form and waits for the server's output to show the new user, then kills the kv worker
// from the supervision tree and waits for its supervisor to restart it. It then opens the
// top view (CPU now per process), the charts (the past hour from /api/history, the restart
// just made) and the modules table (details on click). The demo node is node `a` of a
// cluster on a private nats-server, with a second node `b` beside it that has 50 modules
// loaded (copies of the idle module, one running): the run ends in the Nodes view, in Top
// for the whole cluster (which lists b's process too), and in b's own inspector, whose
// modules table must stay readable with 50 modules, some of them swapped. Any console error, uncaught exception or CSP violation
// fails the run. Screenshots go to the output folder.
//
//   node tests/e2e/inspector.mjs --bin target/debug/hatchery --root . --out target/e2e
//
// (or HATCHERY_BIN / HATCHERY_ROOT / E2E_OUT; CHROMIUM overrides /usr/bin/chromium).
// tests/browser.rs runs it as part of `cargo test`. Exit status 0 means every step passed.

import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

/** Each step waits at most this long for what it expects to see. */
const STEP_MS = 30_000;
/** A debug build compiles every demo module before it listens, which can take a while. */
const START_MS = 90_000;

const { values: opts } = parseArgs({
  options: {
    bin: { type: 'string', default: process.env.HATCHERY_BIN },
    root: { type: 'string', default: process.env.HATCHERY_ROOT ?? '.' },
    out: { type: 'string', default: process.env.E2E_OUT ?? 'target/e2e' },
    chromium: { type: 'string', default: process.env.CHROMIUM ?? '/usr/bin/chromium' },
  },
});
if (!opts.bin) {
  console.error('usage: node tests/e2e/inspector.mjs --bin <hatchery binary> [--root <repo>] [--out <folder>]');
  process.exit(2);
}
const root = resolve(opts.root);
// The node runs from a temp folder: a relative binary path must not depend on that.
const bin = opts.bin.includes('/') ? resolve(opts.bin) : opts.bin;
const out = resolve(opts.out);
mkdirSync(out, { recursive: true });
// Screenshots from an earlier run (a failure shot above all) would mislead.
for (const f of readdirSync(out)) if (/^inspector-.*\.png$/.test(f)) rmSync(join(out, f));

const log = (text) => console.log(`e2e: ${text}`);
const elapsed = (() => { const t0 = Date.now(); return () => `${((Date.now() - t0) / 1000).toFixed(1)}s`; })();

/** Runs one named step; a failure says which step broke and why. */
async function step(name, fn) {
  log(`[${elapsed()}] ${name}`);
  try {
    return await fn();
  } catch (e) {
    throw new Error(`step "${name}" failed: ${e.message.split('\n')[0]}`, { cause: e });
  }
}

// ---- the node -----------------------------------------------------------------------------

let node = null;
let peer = null;
let nats = null;
const tmp = mkdtempSync(join(tmpdir(), 'hatchery-e2e-'));
const peerTmp = mkdtempSync(join(tmpdir(), 'hatchery-e2e-b-'));
const cluster = `e2e${process.pid}`;

/** A port nothing listens on now. */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => ok(port)); });
  });
}

/** Resolves once something accepts connections on the port. */
async function listening(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const up = await new Promise((ok) => {
      const c = connect(port, '127.0.0.1', () => { c.destroy(); ok(true); });
      c.on('error', () => ok(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms / 1000}s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a nats-server of the test's own on loopback and resolves with its URL. */
async function startNats() {
  const port = await freePort();
  nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  nats.on('error', (e) => log(`nats-server: ${e.message} (scripts/setup.sh installs it)`));
  await listening(port, 10_000);
  return `nats://127.0.0.1:${port}`;
}

/** How many modules node b has: the modules view's "readable with 50" case. */
const PEER_MODULES = 50;

/** Starts node b in the same cluster: 50 modules (copies of the idle one, svc_01 to
 *  svc_50), svc_01 running; resolves with its inspector's URLs as startNode does. */
function startPeer(url) {
  const peerLog = createWriteStream(join(out, 'node-b.log'));
  const mods = join(peerTmp, 'modules');
  mkdirSync(mods);
  const idle = join(root, 'modules/target/wasm32-wasip1/release/idle.wasm');
  for (let i = 1; i <= PEER_MODULES; i++) copyFileSync(idle, join(mods, `svc_${String(i).padStart(2, '0')}.wasm`));
  peer = spawn(bin, [
    'run', mods, '--entry', 'svc_01',
    '--node', 'b', '--cluster', cluster, '--nats', url, '--http', '127.0.0.1:0', '--no-watch',
    '--crash-log', join(peerTmp, 'crash.log'),
  ], { cwd: peerTmp, stdio: ['ignore', 'pipe', 'pipe'] });
  peer.stdout.pipe(peerLog);
  return inspectorUrl(peer, peerLog, join(out, 'node-b.log'));
}

/** Starts the demo application as node a and resolves with the inspector's base URL and
 *  the URL it printed. */
function startNode(url) {
  const nodeLog = createWriteStream(join(out, 'node.log'));
  node = spawn(bin, [
    'run', join(root, 'apps/demo'),
    '--http', '127.0.0.1:0', '--no-watch', '--crash-log', join(tmp, 'crash.log'),
    '--node', 'a', '--cluster', cluster, '--nats', url,
    // From the temp folder, so the node's .hatchery/inspector.url does not replace that of a
    // node the developer is running from the repository.
  ], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  node.stdout.pipe(nodeLog);
  return inspectorUrl(node, nodeLog, join(out, 'node.log'));
}

/** Resolves with `{ base, open, token }` from the "inspector at" line `child` prints. */
function inspectorUrl(child, nodeLog, logPath) {
  return new Promise((ok, fail) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`the node printed no "inspector at" line within ${START_MS / 1000}s (see ${logPath})`)), START_MS);
    child.stderr.on('data', (chunk) => {
      nodeLog.write(chunk);
      seen += chunk;
      // `inspector at http://127.0.0.1:PORT/#token=HEX`: the URL to open, as a user clicks it.
      const m = /inspector at (http:\/\/[^/\s]+)\/(#token=([0-9a-f]+))?\s/.exec(seen);
      if (m) {
        clearTimeout(timer);
        ok({ base: m[1], open: `${m[1]}/${m[2] ?? ''}`, token: m[3] ?? null });
      }
    });
    child.on('error', (e) => { clearTimeout(timer); fail(new Error(`cannot start ${bin}: ${e.message}`)); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`the node exited early (code ${code}, signal ${signal}); its output:\n${seen}`));
    });
  });
}

/** Stops a child: SIGTERM, then SIGKILL if it lingers. */
async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

/** Stops both nodes, then the NATS server. */
async function stopNode() {
  await Promise.all([stop(node), stop(peer)]);
  await stop(nats);
}

// ---- the test -----------------------------------------------------------------------------

let browser = null;
let page = null;

async function main() {
  const url = await step('start a nats-server on loopback', startNats);
  const [{ base, open }, b] = await step('start the demo node (node a) and node b beside it',
    () => Promise.all([startNode(url), startPeer(url)]));
  log(`inspector at ${base}`);

  browser = await step('launch Chromium', () => chromium.launch({
    executablePath: opts.chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: STEP_MS,
  }));
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  page = await context.newPage();

  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__csp ??= []).push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const t = (id) => page.getByTestId(id);
  /** Waits until `fn(arg)` holds in the page. */
  const until = (fn, arg) => page.waitForFunction(fn, arg, { timeout: STEP_MS });

  await step('open the inspector', async () => {
    await page.goto(open);
    await t('process-row').first().waitFor();
    await until(() => document.querySelector('[data-testid=node-version]')?.textContent.startsWith('v'));
  });

  const kvPid = await step('find the kv server by searching the process table', async () => {
    await t('process-search').fill('kv');
    const row = page.locator('[data-testid=process-row][data-name=kv]');
    await row.waitFor();
    return row.getAttribute('data-pid');
  });

  const serverPid = await step('find the messenger server by searching the process table', async () => {
    await t('process-search').fill('messenger');
    await until(() => {
      const rows = [...document.querySelectorAll('[data-testid=process-row]')];
      return rows.length > 0 && rows.every((r) => r.textContent.includes('messenger'));
    });
    await page.screenshot({ path: join(out, 'inspector-1-processes.png') });
    return page.locator('[data-testid=process-row][data-name=messenger]').getAttribute('data-pid');
  });
  log(`messenger server ${serverPid}, kv ${kvPid}`);

  await step('open the messenger server\'s process page', async () => {
    await page.locator('[data-testid=process-row][data-name=messenger]').click();
    await page.locator(`[data-testid=process-detail][data-pid="${serverPid}"]`).waitFor();
    await until(() => document.querySelector('[data-testid=detail-name]')?.textContent === 'messenger');
    // The time it has run on a scheduler, e.g. "1.2ms".
    await until(() => /\d/.test(document.querySelector('[data-testid=detail-cpu-time]')?.textContent ?? ''));
  });

  /** Sends `message` through the inject form and waits for the "sent m-N to <pid>" result. */
  async function inject(message) {
    const before = await t('inject-result').textContent();
    await t('inject-json').fill(JSON.stringify(message));
    await t('inject-send').click();
    await until(([b, pid]) => {
      const text = document.querySelector('[data-testid=inject-result]').textContent;
      return text !== b && (text.startsWith(`sent m-`) && text.endsWith(` to ${pid}`) || !text.startsWith('sent'));
    }, [before, serverPid]);
    const result = await t('inject-result').textContent();
    if (!result.startsWith('sent m-')) throw new Error(`the inject form reported: ${result}`);
  }

  const from = Number(/^<0\.(\d+)>$/.exec(kvPid)[1]);
  await step('inject a logon as "web" through the form', async () => {
    await inject({ logon: { from, name: 'web' } });
    // Logging on links the server to the client; the page shows the new link.
    await until((pid) => [...document.querySelectorAll('[data-testid=detail-links] a')].some((a) => a.textContent === pid), kvPid);
  });

  await step('inject a message to "web" and see the server list "web" in its output', async () => {
    // The server prints its user list after each message it routes (as the Erlang original).
    await inject({ message_to: { from, to: 'web', message: 'hello from the browser' } });
    await until(() => [...document.querySelectorAll('[data-testid=output-line]')].some((l) => /list is now: .*web/.test(l.textContent)));
    await page.screenshot({ path: join(out, 'inspector-2-process.png'), fullPage: true });
  });

  await step('kill the kv worker from the supervision tree and see it restarted', async () => {
    await t('nav-tree').click();
    const kv = page.locator('[data-testid=tree-node][data-id=kv]');
    const counter = page.locator('[data-testid=tree-node][data-id=counter]');
    const services = page.locator('[data-testid=tree-node][data-id=services]');
    await kv.waitFor();
    const kvBefore = await kv.getAttribute('data-pid');
    const counterBefore = await counter.getAttribute('data-pid');
    const restartsBefore = Number(await services.getAttribute('data-child-restarts'));
    const kvRestartsBefore = Number(await kv.getAttribute('data-restarts'));
    if (kvBefore !== kvPid) throw new Error(`the tree shows kv as ${kvBefore}, the table as ${kvPid}`);
    await kv.getByTestId('tree-kill').click();
    await until((pid) => document.querySelector('[data-testid=tree-result]').textContent.includes(`killed kv (${pid})`), kvBefore);
    await until(([kvOld, counterOld]) => {
      const pid = (id) => document.querySelector(`[data-testid=tree-node][data-id=${id}]`)?.dataset.pid;
      // rest_for_one: the children after kv (the counter) are restarted with it.
      return /^<0\.\d+>$/.test(pid('kv')) && pid('kv') !== kvOld && /^<0\.\d+>$/.test(pid('counter')) && pid('counter') !== counterOld;
    }, [kvBefore, counterBefore]);
    await until((n) => Number(document.querySelector('[data-testid=tree-node][data-id=services]').dataset.childRestarts) > n, restartsBefore);
    await until((n) => Number(document.querySelector('[data-testid=tree-node][data-id=kv]').dataset.restarts) > n, kvRestartsBefore);
    log(`kv ${kvBefore} -> ${await kv.getAttribute('data-pid')}, counter ${counterBefore} -> ${await counter.getAttribute('data-pid')}, ` +
      `services restarted children ${restartsBefore} -> ${await services.getAttribute('data-child-restarts')}, ` +
      `kv restarted ${kvRestartsBefore} -> ${await kv.getAttribute('data-restarts')}`);
    // Each child shows the CPU of its whole subtree.
    await until(() => /\d/.test(document.querySelector('[data-testid=tree-node][data-id=services]')?.dataset.cpuUs ?? ''));
    await page.screenshot({ path: join(out, 'inspector-3-tree.png'), fullPage: true });
  });

  await step('open the top view: the busiest processes with their CPU now', async () => {
    await t('nav-top').click();
    // CPU now needs two polls of the same pid: a row then reads e.g. "0.4%".
    await until(() => [...document.querySelectorAll('[data-testid=top-row]')].some((r) =>
      /\d%$/.test(r.querySelector('[data-testid=top-cpu-now]')?.textContent ?? '') &&
      /\d/.test(r.querySelector('[data-testid=top-cpu-total]')?.textContent ?? '')));
    await until(() => document.querySelector('[data-testid=top-module-row][data-module=messenger_server]') !== null);
    await page.locator('[data-testid=top-sort-memory] button').click();
    await until(() => document.querySelector('[data-testid=top-sort-memory]').getAttribute('aria-sort') === 'descending' &&
      location.hash.includes('sort=memory'));
    await page.screenshot({ path: join(out, 'inspector-4-top.png'), fullPage: true });
  });

  await step('open the charts: the past hour from /api/history, then the live samples', async () => {
    await t('nav-charts').click();
    await until(() => document.querySelector('[data-testid=charts]')?.dataset.history === 'loaded');
    for (const key of ['mailbox_messages', 'restarts', 'swaps', 'cpu_per_worker']) await t(`chart-${key}`).waitFor();
    await until(() => ['mailbox_messages', 'cpu_per_worker'].every((k) =>
      Number(document.querySelector(`[data-testid=chart-${k}]`).dataset.points) > 0));
    // The kv worker was killed above: the node has counted at least one restart.
    await until(() => Number(document.querySelector('[data-testid=chart-restarts]').dataset.cumulative) >= 1);
    await page.screenshot({ path: join(out, 'inspector-5-charts.png'), fullPage: true });
  });

  await step('open the modules view: a table, one row per module, details on click', async () => {
    await t('nav-modules').click();
    const row = page.locator('[data-testid=module-table] [data-testid=module-row][data-module=messenger_server]');
    await row.waitFor();
    await until(() => /\d/.test(document.querySelector('[data-testid=module-row][data-module=messenger_server] [data-testid=module-cpu]')?.textContent ?? ''));
    if (await t('module-card').count() !== 0) throw new Error('a module\'s details are open before any click');
    await row.click();
    await page.locator('[data-testid=module-card][data-module=messenger_server] [data-testid=module-version]').first().waitFor();
    await page.screenshot({ path: join(out, 'inspector-6-modules.png'), fullPage: true });
  });

  await step('open the nodes view: node b is up beside the demo node', async () => {
    await t('nav-nodes').click();
    await until(() => document.querySelector('[data-testid=node-row][data-node=b] [data-testid=node-state]')?.textContent === 'up');
    await page.screenshot({ path: join(out, 'inspector-7-nodes.png'), fullPage: true });
  });

  await step('open top for the whole cluster: node b\'s processes are listed with the demo\'s', async () => {
    await t('nav-top').click();
    const scopeSel = t('top-scope');
    await until(() => document.querySelector('[data-testid=top-scope]')?.hidden === false);
    await scopeSel.selectOption('cluster');
    await until(() => location.hash.includes('scope=cluster'));
    await until(() => {
      const rows = [...document.querySelectorAll('[data-testid=top-row]')];
      // b's idle process, sampled twice (CPU now is a number), beside the demo's server.
      return rows.some((r) => r.dataset.node === 'b' && r.dataset.module === 'svc_01' && /^<b\.\d+>$/.test(r.dataset.pid) &&
          /\d%$/.test(r.querySelector('[data-testid=top-cpu-now]')?.textContent ?? '')) &&
        rows.some((r) => r.dataset.node === 'a' && r.dataset.module === 'messenger_server');
    });
    if (!(await t('top-missing').isHidden())) throw new Error(`a node is missing: ${await t('top-missing').textContent()}`);
    await page.screenshot({ path: join(out, 'inspector-8-cluster-top.png'), fullPage: true });
  });

  await step(`open node b's inspector: its modules table stays readable with ${PEER_MODULES} modules`, async () => {
    // A few swaps first (other modules' bytes under these names), so that some rows have
    // a version timeline: svc_17 gets v2 and v3.
    const release = join(root, 'modules/target/wasm32-wasip1/release');
    const swaps = [['svc_03', 'noop'], ['svc_17', 'noop'], ['svc_17', 'counter'], ['svc_42', 'kv']];
    for (const [i, [name, from]] of swaps.entries()) {
      const dir = join(peerTmp, `swap-${i}`);
      mkdirSync(dir);
      copyFileSync(join(release, `${from}.wasm`), join(dir, `${name}.wasm`));
      const res = await fetch(`${b.base}/api/modules/${name}/reload`, {
        method: 'POST', headers: { authorization: `Bearer ${b.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ path: join(dir, `${name}.wasm`) }),
      });
      const answer = await res.json().catch(() => ({}));
      if (!res.ok || answer.unchanged) throw new Error(`reloading ${name} on b: HTTP ${res.status} ${JSON.stringify(answer)}`);
    }
    await page.goto(b.open);
    await t('nav-modules').click();
    await until((n) => document.querySelectorAll('[data-testid=module-table] [data-testid=module-row]').length === n, PEER_MODULES);
    await until(() => /v3/.test(document.querySelector('[data-testid=module-row][data-module=svc_17]')?.textContent ?? ''));
    const layout = await page.evaluate(() => {
      const rows = [...document.querySelectorAll('[data-testid=module-row]')];
      return {
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        tallest: Math.max(...rows.map((r) => r.getBoundingClientRect().height)),
        count: document.querySelector('[data-testid=module-count]')?.textContent ?? '',
      };
    });
    // One line per module, no sideways scrolling: 50 modules take about a screen and a half.
    if (layout.overflow > 1) throw new Error(`the page scrolls sideways by ${layout.overflow}px`);
    if (layout.tallest > 48) throw new Error(`a module row is ${layout.tallest}px tall`);
    if (!layout.count.startsWith(String(PEER_MODULES))) throw new Error(`the count reads "${layout.count}"`);
    await page.screenshot({ path: join(out, 'inspector-9-modules-50.png'), fullPage: true });
  });

  await step('check for console errors and CSP violations', async () => {
    const csp = await page.evaluate(() => window.__csp ?? []);
    const all = [...problems, ...csp.map((c) => `CSP violation: ${c}`)];
    if (all.length) throw new Error(`the page reported problems:\n  ${all.join('\n  ')}`);
  });
}

let failed = false;
async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  await stopNode();
  rmSync(tmp, { recursive: true, force: true });
  rmSync(peerTmp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    console.error(`e2e: ${signal}: stopping the node and the browser`);
    await cleanup();
    process.exit(1);
  });
}

try {
  await main();
  log(`OK in ${elapsed()}; screenshots in ${out}`);
} catch (e) {
  failed = true;
  console.error(`e2e: FAILED after ${elapsed()}: ${e.message}`);
  if (page) {
    const shot = join(out, 'inspector-failure.png');
    await page.screenshot({ path: shot, fullPage: true, timeout: 5000 }).then(() => console.error(`e2e: screenshot of the page at failure: ${shot}`), () => {});
  }
  console.error(`e2e: the node's output is in ${join(out, 'node.log')}`);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
