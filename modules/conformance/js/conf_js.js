// conf_js: the conformance suite's command interpreter, written with the JavaScript SDK
// (modules/conformance/PROTOCOL.md). A main-style guest: world `process`, export `run`.

import * as h from "../../../guest-sdk/js/hatchery/index.js";
import { MAGIC, parse, reply } from "./protocol.js";

const { ExitReason, HatcheryError } = h;
const BAD_ARG = -11;
const NOT_FOUND = -10;
const TIMEOUT = -1;
const NOPROC = -2;
/** Message kinds as the ABI numbers them. */
const KIND = { user: 0, exit: 1, down: 2, nodeup: 3, nodedown: 4 };

const isCommand = (m) => m.kind === "user" && m.data[0] === MAGIC;

export function run() {
  for (;;) {
    const m = h.receive(isCommand);
    const cmd = parse(m.data);
    if (cmd === null) reply(m.from, m.data.length > 1 ? m.data[1] : 0, BAD_ARG);
    else execute(m.from, cmd);
  }
}

/** The ABI code of what `f` throws (0 if nothing): a HatcheryError's code, else bad-arg. */
function code(f) {
  try {
    f();
    return 0;
  } catch (e) {
    return e instanceof HatcheryError ? e.abiCode : BAD_ARG;
  }
}

/** The value `f` returns, or the ABI code of what it throws. */
function valueOr(f) {
  try {
    return f();
  } catch (e) {
    return e instanceof HatcheryError ? e.abiCode : BAD_ARG;
  }
}

/** Bytes as a string, or U+FFFD when they are not UTF-8 (as conf_rust reads them). */
function text(bytes) {
  const s = h.decodeUtf8(bytes);
  return h.bytesEqual(h.encodeUtf8(s), bytes) ? s : "\uFFFD";
}

/** The protocol's milliseconds: negative waits forever. */
const timeout = (ms) => (ms < 0 ? null : ms);

/** A reason from the protocol's kind (its low byte, as a u8) and detail. */
const reason = (kind, detail) =>
  ExitReason.decode(h.concatBytes(new Uint8Array([kind & 0xff]), detail));

/**
 * A message's bytes in ABI form: the data, an EXIT's reason, a DOWN's reference and reason,
 * a node message's node name.
 */
function abiBytes(m) {
  if (m.kind === "user") return m.data;
  if (m.kind === "nodeup" || m.kind === "nodedown") return h.encodeUtf8(m.node);
  if (m.kind === "exit") return m.reason.encode();
  const ref = new Uint8Array(8);
  new DataView(ref.buffer).setBigUint64(0, BigInt(m.monitor), true);
  return h.concatBytes(ref, m.reason.encode());
}

function execute(from, { op, a, b, s1, s2 }) {
  const answer = (r, x = 0, y = 0, data) => reply(from, op, r, x, y, data);
  switch (op) {
    case 1:
      return answer(h.selfPid().id);
    case 2:
      return answer(h.parent()?.id ?? 0);
    case 3:
      return answer(0, 0, 0, h.args());
    case 4: {
      const options = { link: (a & 1) !== 0, monitor: (a & 2) !== 0 };
      const spawned = valueOr(() => h.spawnWith(text(s1), s2, options));
      if (typeof spawned === "number") return answer(spawned);
      return answer(spawned.pid.id, spawned.monitor ?? 0);
    }
    case 5:
      return answer(code(() => h.send(a, s1)));
    case 6:
      return answer(code(() => h.sendNamed(text(s1), s2)));
    case 7: {
      // One raw recv: the message stays queued.
      const m = valueOr(() => h.recv(a, timeout(b)));
      if (m === null) return answer(TIMEOUT);
      if (typeof m === "number") return answer(m);
      const data = abiBytes(m);
      return answer(data.length, KIND[m.kind], m.from.id, data);
    }
    case 8:
      return answer(code(() => h.take(a)));
    case 9:
      return answer(h.mailboxLen());
    case 10:
      return answer(code(() => h.link(a)));
    case 11:
      h.unlink(a);
      return answer(0);
    case 12:
      return answer(h.trapExit(a !== 0) ? 1 : 0);
    case 13:
      return h.exit(reason(a, s1));
    case 14:
      return answer(code(() => h.exitSignal(a, reason(b, s1))));
    case 15:
      return answer(h.monitor(a));
    case 16:
      return answer(h.demonitor(a, (b & 1) !== 0) ? 0 : NOT_FOUND);
    case 17:
      return answer(code(() => h.register(text(s1), a)));
    case 18:
      return answer(code(() => h.unregister(text(s1))));
    case 19: {
      const pid = valueOr(() => h.whereis(text(s1)));
      return answer(typeof pid === "number" ? 0 : (pid?.id ?? 0));
    }
    case 20:
      return answer(valueOr(() => h.sendAfter(a, Math.max(b, 0), s1)));
    case 21:
      return answer(h.cancelTimer(a) ?? NOT_FOUND);
    case 22:
      return answer(h.makeRef());
    case 23:
      return answer(h.nowMs());
    case 24:
      return receive(answer, a, b, s1);
    case 25:
      return call(answer, a, b, s1);
    case 26: {
      let msg = null;
      try {
        msg = JSON.parse(text(s1));
      } catch {
        // Not JSON: cast null, as conf_rust does.
      }
      return answer(code(() => h.cast(a, msg)));
    }
    case 28:
      throw new Error("conf_js: crash requested");
    case 29:
      h.print(text(s1));
      return answer(0);
    case 30: {
      // s1 is the name then the node; a is the name's length.
      if (a < 0 || a > s1.length) return answer(BAD_ARG);
      const [name, node] = [text(s1.subarray(0, a)), text(s1.subarray(a))];
      return answer(code(() => h.sendNamedAt(name, node, s2)));
    }
    case 31: {
      const name = h.encodeUtf8(h.node());
      return answer(name.length, 0, 0, name);
    }
    case 32: {
      const list = h.encodeUtf8(h.nodes().map((name) => `${name}\n`).join(""));
      return answer(list.length, 0, 0, list);
    }
    case 33: {
      const name = h.encodeUtf8(h.pidNode(a));
      return answer(name.length, 0, 0, name);
    }
    case 34:
      // The SDK's flag is a boolean: another flag is answered here.
      if (a !== 0 && a !== 1) return answer(BAD_ARG);
      return answer(code(() => h.monitorNode(text(s1), a === 1)));
    case 35:
      if (a !== 0 && a !== 1) return answer(BAD_ARG);
      h.monitorNodes(a === 1);
      return answer(0);
    case 36: {
      // s1 is the node then the module; a is the node's length.
      if (a < 0 || a > s1.length) return answer(BAD_ARG);
      const [node, module] = [text(s1.subarray(0, a)), text(s1.subarray(a))];
      const options = { link: (b & 1) !== 0, monitor: (b & 2) !== 0 };
      const spawned = valueOr(() => h.spawnAt(node, module, s2, options));
      if (typeof spawned === "number") return answer(spawned);
      return answer(spawned.pid.id, spawned.monitor ?? 0);
    }
    case 37: {
      const printed = h.encodeUtf8(String(new h.Pid(a)));
      return answer(printed.length, 0, 0, printed);
    }
    default:
      // Including 27, bad_pointer: a component passes values, not pointers.
      return answer(BAD_ARG);
  }
}

/**
 * The SDK's selective receive with the protocol's filter: the oldest message of `kind`
 * (-1: any) that is not a command and, for a user message, starts with `prefix`.
 */
function receive(answer, kind, ms, prefix) {
  const m = h.receive((m) => {
    if (m.kind === "user" && (isCommand(m) || !h.startsWith(m.data, prefix))) return false;
    return kind < 0 || KIND[m.kind] === kind;
  }, timeout(ms));
  if (m === null) return answer(TIMEOUT);
  return answer(0, KIND[m.kind], m.from.id, abiBytes(m));
}

/** The SDK's gen_server call, its request given as JSON. */
function call(answer, server, ms, request) {
  let req;
  try {
    req = JSON.parse(text(request));
  } catch {
    return answer(BAD_ARG);
  }
  try {
    return answer(0, 0, 0, h.encodeUtf8(JSON.stringify(h.call(server, req, timeout(ms)))));
  } catch (e) {
    if (e instanceof h.ExitError) return answer(NOPROC, 0, 0, e.reason.encode());
    if (e instanceof HatcheryError && e.code === "timeout") return answer(TIMEOUT);
    return answer(BAD_ARG);
  }
}
