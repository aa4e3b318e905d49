// Behaviour-style servers (gen_server). The host runs the receive loop and hands each
// message to the world's `handle` export; `serve` turns a server object into those
// exports and dispatches the gen_server envelopes to its callbacks. No guest code runs
// between messages.

import { decodeUtf8, encodeUtf8 } from "./bytes.js";
import { reply } from "./call.js";
import { Message } from "./mailbox.js";
import { eprint } from "./print.js";
import { exit, parent } from "./process.js";
import { ExitReason } from "./reason.js";

/** Returned by handleCall: send no reply now (reply later with `reply(from, value)`). */
export const noReply = Symbol("noReply");

/** What `stop` returns: a callback's request to end the server. */
class Stop {
  constructor(reason, hasReply, value) {
    this.reason = reason;
    this.hasReply = hasReply;
    this.value = value;
  }
}

/**
 * Returned by a callback: run `terminate`, then end the server with `reason`. From
 * handleCall, a second argument is the reply, sent before the server ends.
 *
 * @example
 * handleCast(msg) { if (msg === "stop") return stop(ExitReason.normal); }
 *
 * @param {ExitReason} reason
 * @param {unknown} [value] the reply (handleCall only)
 */
export function stop(reason, ...value) {
  if (!(reason instanceof ExitReason)) throw new TypeError("stop takes an ExitReason");
  return new Stop(reason, value.length > 0, value[0]);
}

/**
 * The world's exports for `server`:
 *
 * ```js
 * export const { start, handle, stateSave, codeChange } = serve(new Counter());
 * ```
 *
 * (world `upgradable-behaviour`; a plain `behaviour` exports only `start` and `handle`).
 * The host calls `start` once, when the process starts, and it runs the server's `init`
 * (the world's init export is called `start` because componentize-qjs exports an `init`
 * of its own); `stateSave` and `codeChange` are the world's `state-save` and
 * `code-change`, as componentize-qjs names them in JavaScript.
 *
 * The server is an object with any of these methods (all optional but handleCall, which
 * a server that gets calls needs):
 *
 * - `init()`: runs once, when the process starts (from `start`). Do the host work here
 *   (register a name, trap exits), not in a constructor: the top level runs at build time.
 * - `handleCall(request, from)`: a call (`{"$call": ...}`). Return the reply (any JSON
 *   value), `noReply` (then `reply(from, value)` later), or `stop(reason, reply?)`.
 * - `handleCast(message)`: a cast (`{"$cast": ...}`). Return nothing, or `stop(reason)`.
 * - `handleInfo(message)`: every other Message (other JSON or bytes, `exit` and `down`
 *   messages, late replies). Return nothing, or `stop(reason)`.
 * - `terminate(reason)`: runs before the server ends by a `stop`, or when it traps exits
 *   and its parent (a supervisor) sends it an exit signal, as gen_server does.
 * - `save()`: the state as a JSON value, for the next version of the module (hot swap) or
 *   hibernation.
 * - `codeChange(oldVersion, state)`: on a fresh instance of the new version (whose `init`
 *   does not run), takes what `save` returned (parsed); throw to refuse the upgrade (the
 *   process stays on the old version and the error's message is reported). A process
 *   waking from hibernation is told its own version.
 *
 * An exception a callback throws ends the process with reason `trap` (the crash report
 * names the message), as an unmatched clause does in Erlang.
 *
 * @param {object} server
 * @returns {{start: () => void, handle: (m: object) => void, stateSave: () => Uint8Array,
 *   codeChange: (oldVersion: number, state: Uint8Array) => void}}
 */
export function serve(server) {
  if (server === null || typeof server !== "object") {
    throw new TypeError("serve takes the server object");
  }
  return {
    start() {
      server.init?.();
    },
    handle(wit) {
      const message = Message.fromWit(wit);
      if (message !== null) dispatch(server, message);
    },
    stateSave() {
      if (typeof server.save !== "function") {
        throw new Error("state-save: the server has no save() method");
      }
      return encodeUtf8(JSON.stringify(server.save()) ?? "null");
    },
    codeChange(oldVersion, bytes) {
      // The bindings turn a thrown string into result's error: the refusal reason.
      let state;
      try {
        state = JSON.parse(decodeUtf8(bytes));
      } catch {
        throw `the saved state is not JSON (${bytes.length} bytes from v${oldVersion})`;
      }
      if (typeof server.codeChange !== "function") {
        throw "the server has no codeChange() method";
      }
      try {
        server.codeChange(oldVersion, state);
      } catch (e) {
        throw String(e?.message ?? e) || "refused";
      }
    },
  };
}

/** Hands one message to the server's callbacks (ABI.md §5, "Calls and casts"). */
function dispatch(server, message) {
  let next;
  const envelope = message.kind === "user" ? envelopeOf(message) : null;
  if (envelope?.call) {
    next = handleCall(server, message.from, envelope.call);
  } else if (envelope?.cast) {
    next = server.handleCast?.(envelope.cast.message);
  } else if (message.kind === "exit" && message.from.id !== 0 && message.from.equals(parent())) {
    // As gen_server: an exit signal from the parent (its supervisor shutting it down)
    // ends a server that traps exits, after terminate.
    next = stop(message.reason);
  } else {
    next = server.handleInfo?.(message);
  }
  if (next instanceof Stop) {
    server.terminate?.(next.reason);
    exit(next.reason);
  }
}

function handleCall(server, pid, call) {
  if (typeof server.handleCall !== "function") {
    throw new Error(`handleCall: the server takes no calls (got ${JSON.stringify(call.request)})`);
  }
  const from = { pid, ref: call.ref };
  const result = server.handleCall(call.request, from);
  if (result === noReply) return undefined;
  if (result instanceof Stop) {
    if (result.hasReply) sendReply(from, result.value);
    return result;
  }
  sendReply(from, result);
  return undefined;
}

/** Replies; a reply that cannot be sent (too big) is reported, not fatal, as in Rust. */
function sendReply(from, value) {
  try {
    reply(from, value);
  } catch (e) {
    if (e instanceof TypeError) throw e; // no JSON form: the server's bug
    eprint(`server: the reply to ${from.pid} could not be sent: ${e.message}`);
  }
}

/**
 * The gen_server envelope of a user message: `{call: {ref, request}}` for an object with
 * the key `$call`, `{cast: {message}}` for one with `$cast`, else null. Only an object can
 * be one, so other bytes are not decoded at all.
 */
function envelopeOf(message) {
  const first = message.data.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  if (first !== 0x7b /* { */) return null;
  const v = message.json();
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  if (Object.hasOwn(v, "$call")) {
    const c = v.$call;
    const body = typeof c === "object" && c !== null ? c : {};
    // A missing or malformed ref reads as 0 and a missing req as null, as in Rust.
    const ref = Number.isInteger(body.ref) && body.ref >= 0 ? body.ref : 0;
    return { call: { ref, request: Object.hasOwn(body, "req") ? body.req : null } };
  }
  if (Object.hasOwn(v, "$cast")) return { cast: { message: v.$cast } };
  return null;
}
