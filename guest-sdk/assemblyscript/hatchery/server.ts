// Behaviour-style servers (gen_server): the host runs the receive loop and hands each
// message to the callbacks of one `Server` object (ABI.md section 5, Behaviours).
//
// A server module creates its server at the top level, so that every instance of the
// module has one: the first (whose `hatchery_main` then runs `init`) and the fresh ones a
// hot swap or a wake from hibernation starts (whose entry does not run: `codeChange` hands
// them the saved state instead). It re-exports the callbacks the host drives:
//
//   class Counter extends Server { ... }
//   serve(new Counter());
//   export { hatchery_main, hatchery_handle, hatchery_state_save, hatchery_code_change }
//     from "./hatchery/server";
//
// Between messages no guest code runs. On the wire a call is
// `{"$call": {"ref": R, "req": REQ}}`, its reply `{"$reply": {"ref": R, "value": V}}`, a
// cast `{"$cast": M}`; anything else (other bytes, EXIT, DOWN) is an info message.

import { EMPTY, utf8 } from "./bytes";
import { Json } from "./json";
import { JsonWriter } from "./json_writer";
import { eprint } from "./io";
import { Message } from "./message";
import { exit } from "./process";
import { ExitReason } from "./reason";
import * as sys from "./sys";
import { KIND_DOWN, KIND_EXIT, KIND_NODEDOWN, Pid } from "./sys";

/** Who made a call: reply to it by returning a value from `handleCall` or with `reply`. */
export class From {
  constructor(public pid: Pid, public ref: u64) {}
}

/**
 * The callbacks of a server; override the ones you need. A callback that wants the
 * server to end calls `this.stop(reason)`: once it returns, `terminate` runs and the
 * process ends with that reason.
 */
export class Server {
  /** The reason `stop` asked for, if it was called. */
  stopping: ExitReason | null = null;

  /** Runs once, in `hatchery_main`, before the first message (read args, register a name). */
  init(): void {}

  /**
   * A synchronous request. Return the reply value, or null to reply later with `reply`
   * (keep the `From`). The default crashes, as a gen_server without the clause does.
   */
  handleCall(request: Json, from: From): Json | null {
    throw new Error("handle_call: no clause matches " + request.toString());
    return null;
  }

  /** An asynchronous request. */
  handleCast(message: Json): void {}

  /** Any other message: plain bytes, other JSON, EXIT and DOWN messages, late replies. */
  handleInfo(message: Message): void {}

  /** Runs before the server ends by `stop` (or by its parent's exit signal). */
  terminate(reason: ExitReason): void {}

  /**
   * Hot swap: this version's state as bytes for the next one (JSON is a good choice: the
   * next version can read old fields and default new ones).
   */
  saveState(): Uint8Array {
    throw new Error("hatchery_state_save: this server does not override saveState");
    return EMPTY;
  }

  /**
   * Hot swap: takes the state `oldVersion` saved, on a fresh instance of the new version.
   * Return null to take over, or a reason to refuse (the process stays on the old version).
   * Also called with its own version when waking from hibernation.
   */
  codeChange(oldVersion: i32, state: Uint8Array): string | null {
    return "this server does not override codeChange";
  }

  /** Ends the server with `reason` once the current callback returns. */
  stop(reason: ExitReason): void {
    this.stopping = reason;
  }
}

let current: Server | null = null;
/** Bytes handed to the host (a saved state, a refusal), kept alive until the next handover. */
let handover: Uint8Array = EMPTY;

/** Makes `server` this module's server (call it at the top level of the module). */
export function serve(server: Server): void {
  current = server;
}

/** Sends the reply to a call: 0, or `ERR_TOO_BIG`. */
export function reply(to: From, value: Json): i32 {
  let w = new JsonWriter();
  w.beginObject().key("$reply").beginObject()
    .key("ref").uint(to.ref).key("value").json(value)
    .endObject().endObject();
  let bytes = w.toBytes();
  return sys.send(to.pid, bytes.dataStart, bytes.length);
}

/** The served server, or the end of the process with a reason that says what is wrong. */
function theServer(): Server {
  let s = current;
  if (s == null) {
    exit(ExitReason.custom("a server module must call serve(new MyServer()) at its top level"));
    unreachable();
  }
  return changetype<Server>(s);
}

/** The bytes of the message being handled (or of the state in `hatchery_code_change`). */
function readMessage(size: i32): Uint8Array {
  if (size <= 0) return EMPTY;
  let buf = new Uint8Array(size);
  sys.message_read(buf.dataStart, size);
  return buf;
}

/** The behaviour's entry: the init. When it returns the host starts handing it messages. */
export function hatchery_main(): void {
  let server = theServer();
  server.init();
  finish(server);
}

/** The behaviour callback the host calls once per message. */
export function hatchery_handle(kind: i32, sender: i64, size: i32): void {
  let data = readMessage(size);
  let server = theServer();
  // Unknown kinds (a newer host) and malformed DOWNs are ignored, as in the Rust SDK.
  if (kind < 0 || <u32>kind > KIND_NODEDOWN || (<u32>kind == KIND_DOWN && data.length < 8)) return;
  dispatch(server, new Message(<u32>kind, sender, data));
  finish(server);
}

function dispatch(server: Server, m: Message): void {
  if (m.isUser) {
    let v = m.json();
    if (v != null && v.isObject()) {
      let call = v.get("$call");
      if (call != null) {
        let ref = call.get("ref");
        let req = call.get("req");
        let from = new From(m.sender, ref != null ? ref.toU64(0) : 0);
        let answer = server.handleCall(req != null ? req : Json.nil(), from);
        if (answer != null && reply(from, answer) < 0) {
          eprint("server: the reply to " + m.sender.toString() + " could not be sent (too big)");
        }
        return;
      }
      let cast = v.get("$cast");
      if (cast != null) {
        server.handleCast(cast);
        return;
      }
    }
  } else if (m.kind == KIND_EXIT && m.sender != 0 && m.sender == sys.parent()) {
    // As gen_server: an exit signal from the parent (a supervisor shutting it down) ends
    // a server that traps exits, after `terminate`.
    server.stop(m.reason());
    return;
  }
  server.handleInfo(m);
}

/** Ends the process if a callback asked to stop. */
function finish(server: Server): void {
  let reason = server.stopping;
  if (reason == null) return;
  server.terminate(reason);
  exit(reason);
}

/** Keeps `bytes` for the host and returns them packed as `(ptr << 32) | len`. */
function handOver(bytes: Uint8Array): i64 {
  handover = bytes;
  return <i64>((<u64>bytes.dataStart << 32) | <u64>(<u32>bytes.length));
}

/** Hot swap: hands this version's state to the host. */
export function hatchery_state_save(): i64 {
  return handOver(theServer().saveState());
}

/** Hot swap: takes the state the previous version saved; 0, or a packed refusal reason. */
export function hatchery_code_change(oldVersion: i32, size: i32): i64 {
  let state = readMessage(size);
  let s = current;
  if (s == null) return handOver(utf8("no server: call serve(new MyServer()) at the module's top level"));
  let refusal = s.codeChange(oldVersion, state);
  if (refusal == null) return 0;
  return handOver(utf8(refusal.length > 0 ? refusal : "refused"));
}
