// The client side of the gen_server protocol (ABI.md §5, "Calls and casts"), spoken by
// every SDK so that any process, the CLI and the HTTP API can call a server in any
// language:
//
//   call   {"$call": {"ref": R, "req": REQ}}
//   reply  {"$reply": {"ref": R, "value": V}}
//   cast   {"$cast": M}

import { HatcheryError, ExitError } from "./errors.js";
import { receive } from "./mailbox.js";
import { Pid } from "./pid.js";
import { demonitor, monitor, sendJson, sendNamedJson } from "./process.js";
import { whereis } from "./registry.js";

/** gen_server's default call timeout. */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/**
 * Who made a call, as a server's handleCall sees it: answer with `reply(from, value)`, now
 * or later (or by returning the value from handleCall).
 *
 * @typedef {{pid: Pid, ref: number}} From
 */

/**
 * Sends `request` (any JSON value) to `server` and waits for its reply, at most
 * `timeout` ms (null: forever). Returns the reply's value.
 *
 * The call monitors the server, so a server that is dead or dies before replying ends it
 * at once; the monitor reference tags the request, so only this call's reply is taken and
 * everything else stays queued. A reply that comes after the timeout stays in the mailbox
 * (a server sees it as an info message).
 *
 * @example
 * const count = call("counter", "get", 1000);
 *
 * @param {Pid | number | string} server a pid, or a registered name
 * @param {unknown} request
 * @param {number | null} [timeout] milliseconds
 * @returns {unknown}
 * @throws {HatcheryError} timeout; not-registered (a free name); too-big
 * @throws {ExitError} the server ended (or was not alive: reason `noproc`)
 */
export function call(server, request, timeout = DEFAULT_CALL_TIMEOUT_MS) {
  const pid = serverPid(server);
  const ref = monitor(pid);
  try {
    sendJson(pid, { $call: { ref, req: request ?? null } });
  } catch (e) {
    demonitor(ref, true);
    throw e;
  }
  const got = receive(
    (m) =>
      (m.kind === "user" && replyOf(m.json(), ref) !== undefined) ||
      (m.kind === "down" && m.monitor === ref),
    timeout,
  );
  if (got === null) {
    demonitor(ref, true);
    throw new HatcheryError("timeout", `no reply from ${pid} within ${timeout} ms`);
  }
  if (got.kind === "down") throw new ExitError(got.reason);
  demonitor(ref, true);
  return replyOf(got.json(), ref).value;
}

/**
 * Sends the asynchronous request `message` (any JSON value) to `server`; never waits, and
 * a cast to a dead server is dropped.
 *
 * @param {Pid | number | string} server a pid, or a registered name
 * @param {unknown} message
 * @throws {HatcheryError} not-registered (a free name); too-big
 */
export function cast(server, message) {
  const envelope = { $cast: message ?? null };
  if (typeof server === "string") sendNamedJson(server, envelope);
  else sendJson(server, envelope);
}

/**
 * Answers a call, from the server or any process that holds its From (gen_server:reply).
 *
 * @param {From} from
 * @param {unknown} value any JSON value (`undefined` is sent as null)
 * @throws {HatcheryError} too-big; TypeError when the value has no JSON form
 */
export function reply(from, value) {
  sendJson(from.pid, { $reply: { ref: from.ref, value: value ?? null } });
}

/** A call's server: a pid, or the process registered under a name. */
function serverPid(server) {
  if (typeof server !== "string") return Pid.from(server);
  const pid = whereis(server);
  if (pid === null) {
    throw new HatcheryError("not-registered", `no process is registered as ${server}`);
  }
  return pid;
}

/** `{value}` when `v` is the reply `{"$reply": {"ref": ref, "value": ...}}`, else undefined. */
function replyOf(v, ref) {
  const r = isObject(v) ? v.$reply : undefined;
  if (!isObject(r) || r.ref !== ref) return undefined;
  return { value: r.value ?? null };
}

function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
