// The calling process: identity, arguments, spawning, links, exit signals and monitors.
//
// Functions that can fail return the ABI's result as it is: a negative number is one of
// the error codes of errors.ts (ABI.md section 2), anything else is success.

import { EMPTY, toBytes, utf8, utf8Text } from "./bytes";
import { Json } from "./json";
import { ExitReason } from "./reason";
import * as sys from "./sys";
import { Pid } from "./sys";

/** Where `spawn` writes the monitor reference. */
const refOut = memory.data(8, 8);

/** The pid of the calling process (Erlang's `self()`). */
export function self(): Pid {
  return sys.self();
}

/** The process that spawned this one (a supervisor for supervised children), or 0. */
export function parent(): Pid {
  return sys.parent();
}

/** The argument bytes this process was spawned with. */
export function args(): Uint8Array {
  let size = sys.args_size();
  if (size <= 0) return EMPTY;
  let buf = new Uint8Array(size);
  let copied = sys.args_read(buf.dataStart, size);
  return copied < size ? buf.slice(0, max(copied, 0)) : buf;
}

/** The arguments as text (invalid UTF-8 becomes U+FFFD). */
export function argsText(): string {
  return utf8Text(args());
}

/**
 * The arguments as JSON. Empty (or blank) arguments read as JSON `null`, so a process that
 * may be started without arguments can test `isNull()`; arguments that are not JSON give
 * null.
 */
export function argsJson(): Json | null {
  let bytes = args();
  let blank = true;
  for (let i = 0; i < bytes.length && blank; i++) {
    let c = bytes[i];
    blank = c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
  }
  return blank ? Json.nil() : Json.parse(bytes);
}

/** A spawned child: its pid (or a negative error code) and its monitor reference. */
export class Spawned {
  constructor(public pid: Pid, public monitor: i64) {}

  /** Whether the spawn succeeded (a child that cannot start still gets a pid). */
  get ok(): bool {
    return this.pid > 0;
  }
}

/**
 * Starts a process running the module `module`, with argument bytes (a string is sent as
 * UTF-8), tied to the caller by `flags` (`SPAWN_LINK`, `SPAWN_MONITOR`). Spawning is atomic
 * with the link or monitor. A child that cannot start (unknown module, no entry) still gets
 * a pid and ends at once with reason `undef`.
 *
 * Errors (in `pid`): `ERR_LIMIT` at the process cap, `ERR_BAD_NAME`, `ERR_BAD_ARG`.
 */
export function spawnWith<T>(module: string, args: T, flags: i32): Spawned {
  let name = utf8(module);
  let bytes = toBytes(args);
  store<i64>(refOut, 0);
  let pid = sys.spawn(name.dataStart, name.length, bytes.dataStart, bytes.length, flags, refOut);
  let monitor = pid > 0 && (flags & sys.SPAWN_MONITOR) != 0 ? load<i64>(refOut) : 0;
  return new Spawned(pid, monitor);
}

/**
 * `spawnWith` on the node of the cluster called `node` (Erlang's `spawn(Node, ...)`); this
 * node's own name spawns here. Waits for the other node's answer.
 *
 * Errors (in `pid`): `ERR_NOPROC` when no node of that name is connected, `ERR_LIMIT`,
 * `ERR_BAD_NAME` (either name), `ERR_BAD_ARG`.
 */
export function spawnAt<T>(node: string, module: string, args: T, flags: i32 = 0): Spawned {
  let at = utf8(node);
  let name = utf8(module);
  let bytes = toBytes(args);
  store<i64>(refOut, 0);
  let pid = sys.spawn_at(
    at.dataStart, at.length, name.dataStart, name.length, bytes.dataStart, bytes.length, flags,
    refOut,
  );
  let monitor = pid > 0 && (flags & sys.SPAWN_MONITOR) != 0 ? load<i64>(refOut) : 0;
  return new Spawned(pid, monitor);
}

/** Erlang's `spawn`: the child's pid, or a negative error code. */
export function spawn<T>(module: string, args: T): Pid {
  return spawnWith(module, args, 0).pid;
}

/** Erlang's `spawn_link`: spawns and links atomically; the pid or an error code. */
export function spawnLink<T>(module: string, args: T): Pid {
  return spawnWith(module, args, sys.SPAWN_LINK).pid;
}

/** Erlang's `spawn_monitor`: spawns and monitors atomically. */
export function spawnMonitor<T>(module: string, args: T): Spawned {
  return spawnWith(module, args, sys.SPAWN_MONITOR);
}

/**
 * Links the caller and `pid`: 0, or `ERR_NOPROC` when `pid` is not alive and the caller
 * traps exits (an `EXIT` noproc message follows). A caller that does not trap exits ends
 * with reason `noproc` instead of returning.
 */
export function link(pid: Pid): i32 {
  return sys.link(pid);
}

/** Removes the link between the caller and `pid`, if there is one. */
export function unlink(pid: Pid): void {
  sys.unlink(pid);
}

/** Sets whether exit signals become `EXIT` messages; returns the previous setting. */
export function trapExit(flag: bool): bool {
  return sys.trap_exit(flag ? 1 : 0) != 0;
}

/**
 * Ends the calling process with `reason`; does not return. A process may end itself only
 * with `normal`, `shutdown` or `custom`: other reasons go as `custom` with their text.
 */
export function exit(reason: ExitReason): void {
  let r = reason.forSelfExit();
  let detail = r.kind == sys.REASON_CUSTOM ? r.detail : EMPTY;
  sys.exit(r.kind, detail.dataStart, detail.length);
  unreachable();
}

/**
 * Sends an exit signal to `pid` as if the caller had ended with `reason`; the caller goes
 * on. `killed` sends the untrappable `kill`. 0, `ERR_NOPROC` or `ERR_BAD_ARG`.
 */
export function exitSignal(pid: Pid, reason: ExitReason): i32 {
  let detail = reason.kind > sys.REASON_SHUTDOWN ? reason.detail : EMPTY;
  return sys.exit_signal(pid, reason.kind, detail.dataStart, detail.length);
}

/** Kills `pid` with the untrappable `kill`; its links see `killed`. 0 or `ERR_NOPROC`. */
export function kill(pid: Pid): i32 {
  return exitSignal(pid, ExitReason.killed());
}

/**
 * Monitors `pid`: when it ends (or at once, with `noproc`, if it is dead) the caller gets
 * one `DOWN` message carrying the returned reference.
 */
export function monitor(pid: Pid): i64 {
  return sys.monitor(pid);
}

/**
 * Removes a monitor; with `flush` also its queued `DOWN` message. 0, or `ERR_NOT_FOUND`
 * when the `DOWN` was already sent or the reference is unknown.
 */
export function demonitor(ref: i64, flush: bool = false): i32 {
  return sys.demonitor(ref, flush ? sys.DEMONITOR_FLUSH : 0);
}

/** A reference unique within the node (Erlang's `make_ref()`). */
export function makeRef(): i64 {
  return sys.make_ref();
}

/** Milliseconds on the node's monotonic clock. */
export function nowMs(): i64 {
  return sys.now_ms();
}

/** This node's name in its cluster (`nonode` for a node alone), as Erlang's `node()`. */
export function node(): string {
  let buf = new Uint8Array(64);
  let size = sys.node_name(buf.dataStart, buf.length);
  if (size > buf.length) {
    buf = new Uint8Array(size);
    sys.node_name(buf.dataStart, size);
  }
  return utf8Text(buf.subarray(0, max(size, 0)));
}

/**
 * The names of the other nodes connected now (Erlang's `nodes()`), in the order they
 * connected; empty for a node alone.
 */
export function nodes(): string[] {
  let buf = new Uint8Array(256);
  let size = sys.nodes(buf.dataStart, buf.length);
  // The list can grow between two calls (a node connects): ask until it fits.
  while (size > buf.length) {
    buf = new Uint8Array(size);
    size = sys.nodes(buf.dataStart, buf.length);
  }
  let names = new Array<string>();
  let start = 0;
  for (let i = 0; i < size; i++) {
    if (buf[i] != 0x0a) continue;
    if (i > start) names.push(utf8Text(buf.subarray(start, i)));
    start = i + 1;
  }
  return names;
}

/** The name of the node `pid` belongs to (Erlang's `node(Pid)`): `node()` for this node's. */
export function pidNode(pid: Pid): string {
  // Node names are at most 255 bytes.
  let buf = new Uint8Array(256);
  let size = sys.pid_node(pid, buf.dataStart, buf.length);
  if (size > buf.length) {
    buf = new Uint8Array(size);
    sys.pid_node(pid, buf.dataStart, size);
  }
  return utf8Text(buf.subarray(0, max(size, 0)));
}

/**
 * Erlang's `monitor_node(Node, Flag)`. On: one `NODEDOWN` message when the node
 * disconnects, at once when it is not connected now (this node's own name never fires);
 * each call adds one. Off: removes this process's monitors of it. 0, or `ERR_BAD_NAME`
 * (empty or longer than 255 bytes).
 */
export function monitorNode(node: string, on: bool): i32 {
  let at = utf8(node);
  return sys.monitor_node(at.dataStart, at.length, on ? 1 : 0);
}

/**
 * Erlang's `net_kernel:monitor_nodes(Flag)`: whether this process receives `NODEUP` and
 * `NODEDOWN` messages for every node that connects or disconnects.
 */
export function monitorNodes(on: bool): void {
  sys.monitor_nodes(on ? 1 : 0);
}

/** A pid as Erlang shows it: `<0.N>` for this node's, `<NODE.N>` for another node's. */
export function pidToString(pid: Pid): string {
  let at = pidNode(pid);
  return "<" + (at == node() ? "0" : at) + "." + pid.toString() + ">";
}
