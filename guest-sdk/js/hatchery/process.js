// The calling process and the processes it deals with: identity, spawning, sending,
// links and exit signals, monitors (ABI.md §5).

import host from "hatchery:process/host@0.1.0";
import { decodeUtf8, hostString, toBytes, encodeUtf8 } from "./bytes.js";
import { hostCall } from "./errors.js";
import { Pid, rawId } from "./pid.js";
import { ExitReason } from "./reason.js";

const EMPTY = new Uint8Array(0);

/** The calling process's pid. */
export function selfPid() {
  return new Pid(host.selfPid());
}

/** The process that spawned this one (a supervisor, for supervised children), or null. */
export function parent() {
  const p = host.parent();
  return p === null ? null : new Pid(p);
}

/** The argument bytes this process was spawned with. */
export function args() {
  return host.args();
}

/** The spawn arguments as text (invalid UTF-8 as U+FFFD). */
export function argsText() {
  return decodeUtf8(host.args());
}

/**
 * The spawn arguments parsed as JSON, or `fallback` when there are none.
 *
 * @example
 * const { name = "kv" } = argsJson({});
 *
 * @param {unknown} [fallback]
 * @throws {SyntaxError} when the arguments are not JSON
 */
export function argsJson(fallback = null) {
  const bytes = host.args();
  return bytes.length === 0 ? fallback : JSON.parse(decodeUtf8(bytes));
}

/** A reference unique within the node (a positive integer). */
export function makeRef() {
  return host.makeRef();
}

/** Milliseconds on the node's monotonic clock. */
export function nowMs() {
  return host.nowMs();
}

/** This node's name in its cluster (`nonode` for a node alone), as Erlang's `node()`. */
export function node() {
  return host.nodeName();
}

/**
 * Starts the current version of `module` with these argument bytes (a string is sent as
 * UTF-8). With `link` the two processes are linked, with `monitor` this one monitors the
 * child; either exists before the child runs. A child that cannot start (an unknown
 * module) still gets a pid, and ends at once with reason `undef`.
 *
 * @param {string} module
 * @param {Uint8Array | string} [args]
 * @param {{link?: boolean, monitor?: boolean}} [options]
 * @returns {{pid: Pid, monitor: number | null}}
 * @throws {HatcheryError} limit (the node's process cap), bad-name
 */
export function spawnWith(module, args = EMPTY, { link = false, monitor = false } = {}) {
  const name = hostString(module, "a module name");
  const bytes = toBytes(args, "spawn arguments");
  const s = hostCall(() => host.spawn(name, bytes, !!link, !!monitor));
  return { pid: new Pid(s.pid), monitor: s.monitor };
}

/**
 * spawnWith on the node of the cluster called `node` (Erlang's `spawn(Node, ...)`,
 * `spawn_link` and `spawn_monitor` with a node); this node's own name spawns here. Waits
 * for the other node's answer.
 *
 * @param {string} node
 * @param {string} module
 * @param {Uint8Array | string} [args]
 * @param {{link?: boolean, monitor?: boolean}} [options]
 * @returns {{pid: Pid, monitor: number | null}}
 * @throws {HatcheryError} noproc (no node of that name is connected), limit, bad-name
 *   (either name), bad-arg
 */
export function spawnAt(node, module, args = EMPTY, { link = false, monitor = false } = {}) {
  const at = hostString(node, "a node name");
  const name = hostString(module, "a module name");
  const bytes = toBytes(args, "spawn arguments");
  const s = hostCall(() => host.spawnAt(at, name, bytes, !!link, !!monitor));
  return { pid: new Pid(s.pid), monitor: s.monitor };
}

/**
 * The names of the other nodes connected now (Erlang's `nodes()`), in the order they
 * connected; empty for a node alone.
 *
 * @returns {string[]}
 */
export function nodes() {
  return host.nodes();
}

/**
 * The name of the node `pid` belongs to (Erlang's `node(Pid)`): node() for this node's.
 *
 * @param {Pid | number} pid
 * @returns {string}
 */
export function pidNode(pid) {
  return host.pidNode(rawId(pid, "a pid"));
}

/**
 * Erlang's `monitor_node(Node, Flag)`. On: one `nodedown` message when the node
 * disconnects, at once when it is not connected now (this node's own name never fires);
 * each call adds one. Off: removes this process's monitors of that node.
 *
 * @param {string} node
 * @param {boolean} on
 * @throws {HatcheryError} bad-name (empty or longer than 255 bytes)
 */
export function monitorNode(node, on) {
  const at = hostString(node, "a node name");
  hostCall(() => host.monitorNode(at, !!on));
}

/**
 * Erlang's `net_kernel:monitor_nodes(Flag)`: whether this process receives `nodeup` and
 * `nodedown` messages for every node that connects or disconnects.
 *
 * @param {boolean} on
 */
export function monitorNodes(on) {
  host.monitorNodes(!!on);
}

/** Starts a process (see spawnWith); returns its pid. */
export function spawn(module, args = EMPTY) {
  return spawnWith(module, args).pid;
}

/** Starts a process linked to this one (Erlang's spawn_link); returns its pid. */
export function spawnLink(module, args = EMPTY) {
  return spawnWith(module, args, { link: true }).pid;
}

/** Starts a process this one monitors (Erlang's spawn_monitor): `{pid, monitor}`. */
export function spawnMonitor(module, args = EMPTY) {
  return spawnWith(module, args, { monitor: true });
}

/**
 * Sends bytes (a string is sent as UTF-8). A send to a dead process is dropped and still
 * succeeds, as in Erlang.
 *
 * @param {Pid | number} to
 * @param {Uint8Array | ArrayBuffer | string} data
 * @throws {HatcheryError} too-big
 */
export function send(to, data) {
  const bytes = toBytes(data);
  hostCall(() => host.send(rawId(to, "the receiver"), bytes));
}

/**
 * Sends a value as JSON (`undefined` as `null`).
 *
 * @param {Pid | number} to
 * @param {unknown} value
 * @throws {HatcheryError} too-big; TypeError when the value has no JSON form
 */
export function sendJson(to, value) {
  send(to, jsonBytes(value));
}

/**
 * Sends bytes to the process registered as `name`.
 *
 * @param {string} name
 * @param {Uint8Array | ArrayBuffer | string} data
 * @throws {HatcheryError} not-registered, bad-name, too-big
 */
export function sendNamed(name, data) {
  const n = hostString(name, "a name");
  const bytes = toBytes(data);
  hostCall(() => host.sendNamed(n, bytes));
}

/** Sends a value as JSON to the process registered as `name` (see sendNamed). */
export function sendNamedJson(name, value) {
  sendNamed(name, jsonBytes(value));
}

/**
 * Sends bytes to the process registered as `name` on the node called `node` (Erlang's
 * `{Name, Node} ! Msg`). On this node's own name as sendNamed; to another node it succeeds
 * also when nobody there has the name or the node is not connected (the message is
 * dropped there).
 *
 * @param {string} name
 * @param {string} node
 * @param {Uint8Array | ArrayBuffer | string} data
 * @throws {HatcheryError} not-registered (this node only), bad-name, too-big
 */
export function sendNamedAt(name, node, data) {
  const n = hostString(name, "a name");
  const at = hostString(node, "a node name");
  const bytes = toBytes(data);
  hostCall(() => host.sendNamedAt(n, at, bytes));
}

/** Sends a value as JSON to `name` on the node called `node` (see sendNamedAt). */
export function sendNamedAtJson(name, node, value) {
  sendNamedAt(name, node, jsonBytes(value));
}

/**
 * A value's JSON as UTF-8 bytes; `undefined` is `null`.
 *
 * @throws {TypeError} for a BigInt or a cycle
 */
export function jsonBytes(value) {
  return encodeUtf8(JSON.stringify(value) ?? "null");
}

/**
 * Links this process and `pid`: when either ends abnormally, the other gets its exit
 * signal (an `exit` message if it traps exits, else it ends too).
 *
 * @throws {HatcheryError} noproc when `pid` is not alive, in a process that traps exits
 *   (one that does not ends with reason `noproc` instead)
 */
export function link(pid) {
  hostCall(() => host.link(rawId(pid, "a pid")));
}

/** Removes the link with `pid`, if any. */
export function unlink(pid) {
  host.unlink(rawId(pid, "a pid"));
}

/**
 * Sets whether exit signals from links arrive as `exit` messages instead of ending this
 * process; returns the previous setting.
 *
 * @param {boolean} flag
 * @returns {boolean}
 */
export function trapExit(flag) {
  return host.trapExit(!!flag);
}

/**
 * Ends this process with `reason` (default `normal`); does not return. A process can end
 * itself only with `normal`, `shutdown` or a custom reason: any other kind ends it with a
 * custom reason naming it (as the Rust SDK does).
 *
 * @param {ExitReason} [reason]
 * @returns {never}
 */
export function exit(reason = ExitReason.normal) {
  if (!(reason instanceof ExitReason)) {
    throw new TypeError("exit takes an ExitReason, e.g. ExitReason.custom(\"why\")");
  }
  const own = ["normal", "shutdown", "custom"].includes(reason.kind)
    ? reason
    : ExitReason.custom(reason.toString());
  host.exit(own.toWit());
  throw new Error("unreachable: the host ends the process in exit");
}

/**
 * Sends an exit signal to `pid` as if this process had ended with `reason`; this process
 * goes on. `ExitReason.killed` sends the untrappable kill.
 *
 * @param {Pid | number} pid
 * @param {ExitReason} reason
 * @throws {HatcheryError} noproc when `pid` is not alive
 */
export function exitSignal(pid, reason) {
  if (!(reason instanceof ExitReason)) throw new TypeError("exitSignal takes an ExitReason");
  hostCall(() => host.exitSignal(rawId(pid, "a pid"), reason.toWit()));
}

/** Kills `pid` (untrappable); its links see reason `killed`. Throws noproc as exitSignal. */
export function kill(pid) {
  exitSignal(pid, ExitReason.killed);
}

/**
 * Monitors `pid`: one `down` message with this reference follows when it ends (at once,
 * with reason `noproc`, when it is already dead).
 *
 * @returns {number} the monitor reference
 */
export function monitor(pid) {
  return host.monitor(rawId(pid, "a pid"));
}

/**
 * Removes a monitor. With `flush`, also removes its `down` message if it is queued.
 *
 * @param {number} ref
 * @param {boolean} [flush]
 * @returns {boolean} whether the monitor was still active (false when its `down` was
 *   already sent, or the reference is unknown)
 */
export function demonitor(ref, flush = false) {
  try {
    hostCall(() => host.demonitor(rawId(ref, "a monitor reference"), !!flush));
    return true;
  } catch (e) {
    if (e?.code === "not-found") return false;
    throw e;
  }
}

/** The current version of a module (1, 2, … in load order). Throws not-found, bad-name. */
export function moduleVersion(name) {
  const n = hostString(name, "a module name");
  return hostCall(() => host.moduleVersion(n));
}

/**
 * Makes a module's previous version current again; its processes move back at their
 * next message. Returns the version now current. Throws not-found, no-version.
 */
export function moduleRollback(name) {
  const n = hostString(name, "a module name");
  return hostCall(() => host.moduleRollback(n));
}

/**
 * Asks the host to hibernate this behaviour once the current callback returns: its state
 * is saved, its instance dropped, and the next message wakes a fresh one through
 * `codeChange`. Only an upgradable behaviour hibernates; for others nothing happens.
 */
export function hibernate() {
  host.hibernate();
}
