// The gen_server client: `call` and `cast` to a server in any language (ABI.md section 5,
// "Calls and casts").

import { toBytes } from "./bytes";
import { Json } from "./json";
import { JsonWriter } from "./json_writer";
import { Message, Pattern, receiveWith, send, sendNamed } from "./message";
import { demonitor, monitor } from "./process";
import { ExitReason } from "./reason";
import { whereis } from "./registry";
import { ERR_NOPROC, ERR_NOT_REGISTERED, ERR_TIMEOUT, Pid } from "./sys";

/** gen_server's default call timeout. */
export const DEFAULT_CALL_TIMEOUT: i64 = 5000;

/**
 * How a call ended. `code` is 0 with the reply in `value`; `ERR_TIMEOUT` when no reply
 * came in time; `ERR_NOPROC` with the server's exit reason in `reason` when it was or
 * became dead; `ERR_NOT_REGISTERED` (`callNamed`) or `ERR_TOO_BIG` when nothing was sent.
 */
export class CallResult {
  constructor(public code: i32, public value: Json | null, public reason: ExitReason | null) {}

  get ok(): bool {
    return this.code == 0;
  }
}

/** The reply to one call (its `ref`) or the DOWN of its monitor; nothing else. */
class ReplyOrDown extends Pattern {
  value: Json | null = null;

  constructor(private ref: i64) {
    super();
  }

  matches(m: Message): bool {
    if (m.isDown) return m.monitorRef == this.ref;
    // Cheap test first: a reply is a JSON object, most other messages are not.
    if (!m.isUser || !startsObject(m.data)) return false;
    let v = m.json();
    if (v == null) return false;
    let r = v.get("$reply");
    if (r == null) return false;
    let ref = r.get("ref");
    if (ref == null || ref.toU64(0) != <u64>this.ref) return false;
    let value = r.get("value");
    this.value = value != null ? value : Json.nil();
    return true;
  }
}

function startsObject(b: Uint8Array): bool {
  for (let i = 0; i < b.length; i++) {
    let c = b[i];
    if (c == 0x7b) return true;
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return false;
  }
  return false;
}

/**
 * Sends `request` to `server` and waits at most `timeout` ms (`INFINITY`: forever) for
 * its reply. The call monitors the server, so a server that is dead or dies before
 * replying ends the call at once; the monitor reference tags the request, so only this
 * call's reply is taken. A reply that comes after the timeout stays in the mailbox.
 */
export function call(server: Pid, request: Json, timeout: i64 = DEFAULT_CALL_TIMEOUT): CallResult {
  let ref = monitor(server);
  let w = new JsonWriter();
  w.beginObject().key("$call").beginObject()
    .key("ref").int(ref).key("req").json(request)
    .endObject().endObject();
  let sent = send(server, w.toBytes());
  if (sent < 0) {
    demonitor(ref, true);
    return new CallResult(sent, null, null);
  }
  let pattern = new ReplyOrDown(ref);
  let got = receiveWith(pattern, timeout);
  if (got == null) {
    demonitor(ref, true);
    return new CallResult(ERR_TIMEOUT, null, null);
  }
  if (got.isDown) return new CallResult(ERR_NOPROC, null, got.reason());
  demonitor(ref, true);
  return new CallResult(0, pattern.value, null);
}

/** `call` to the process registered as `name` (`ERR_NOT_REGISTERED` if there is none). */
export function callNamed(name: string, request: Json, timeout: i64 = DEFAULT_CALL_TIMEOUT): CallResult {
  let server = whereis(name);
  if (server == 0) return new CallResult(ERR_NOT_REGISTERED, null, null);
  return call(server, request, timeout);
}

function castEnvelope(message: Json): Uint8Array {
  let w = new JsonWriter();
  w.beginObject().key("$cast").json(message).endObject();
  return toBytes(w);
}

/** Sends an asynchronous request; never waits. 0, or `ERR_TOO_BIG`. */
export function cast(server: Pid, message: Json): i32 {
  return send(server, castEnvelope(message));
}

/** `cast` to a registered name: 0, `ERR_NOT_REGISTERED`, `ERR_BAD_NAME`, `ERR_TOO_BIG`. */
export function castNamed(name: string, message: Json): i32 {
  return sendNamed(name, castEnvelope(message));
}
