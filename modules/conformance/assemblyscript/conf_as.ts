// `conf_as`: the conformance suite's command interpreter, written with the AssemblyScript
// SDK (modules/conformance/PROTOCOL.md). It mirrors modules/conformance/rust/src/main.rs.

import {
  ByteWriter, EMPTY, ERR_BAD_ARG, ERR_NOPROC, ERR_NOT_FOUND, ERR_TIMEOUT, ExitReason,
  INFINITY, Json, Message, Pattern, Pid, args, cancelTimer, call, cast, demonitor,
  exit, exitSignal, link, mailboxLen, makeRef, monitor, monitorNode, monitorNodes, node,
  nodes, nowMs, parent, pidNode, pidToString, print, receiveMatch, receiveWith, register,
  self, send, sendAfter, sendNamed, sendNamedAt, spawnAt, spawnWith, startsWith, trapExit,
  unlink, unregister, utf8, utf8Text, whereis,
} from "../../../guest-sdk/assemblyscript/hatchery";
import * as sys from "../../../guest-sdk/assemblyscript/hatchery/sys";
import { Command, MAGIC, reply } from "./protocol";

const info = memory.data(16, 8);

function isCommand(m: Message): bool {
  return m.isUser && m.data.length > 0 && m.data[0] == MAGIC;
}

export function hatchery_main(): void {
  while (true) {
    let m = receiveMatch(isCommand, INFINITY);
    if (m == null) continue;
    let op: u8 = m.data.length > 1 ? m.data[1] : 0;
    let cmd = Command.parse(m.data);
    if (cmd == null) reply(m.sender, op, ERR_BAD_ARG, 0, 0, EMPTY);
    else run(m.sender, cmd);
  }
}

/** A reason in ABI form from a kind and a detail. */
function reasonBytes(kind: i64, detail: Uint8Array): Uint8Array {
  return new ByteWriter(1 + detail.length).byte(<u8>kind).bytes(detail).toBytes();
}

function run(from: Pid, cmd: Command): void {
  let op = cmd.op;
  let a = cmd.a;
  let b = cmd.b;
  let r: i64 = 0;
  switch (op) {
    case 1: r = self(); break;
    case 2: r = parent(); break;
    case 3: reply(from, op, 0, 0, 0, args()); return;
    case 4: {
      let flags = (a & 1 ? sys.SPAWN_LINK : 0) | (a & 2 ? sys.SPAWN_MONITOR : 0);
      let child = spawnWith(utf8Text(cmd.s1), cmd.s2, flags);
      reply(from, op, child.pid, child.monitor, 0, EMPTY);
      return;
    }
    case 5: r = send(a, cmd.s1); break;
    case 6: r = sendNamed(utf8Text(cmd.s1), cmd.s2); break;
    case 7: rawRecv(from, op, <i32>a, b); return;
    case 8: r = sys.take(<i32>a); break;
    case 9: r = mailboxLen(); break;
    case 10: r = link(a); break;
    case 11: unlink(a); break;
    case 12: r = trapExit(a != 0) ? 1 : 0; break;
    case 13: exit(ExitReason.decode(reasonBytes(a, cmd.s1))); return;
    case 14: r = exitSignal(a, ExitReason.decode(reasonBytes(b, cmd.s1))); break;
    case 15: r = monitor(a); break;
    case 16: r = demonitor(a, (b & 1) != 0); break;
    case 17: r = register(utf8Text(cmd.s1), a); break;
    case 18: r = unregister(utf8Text(cmd.s1)); break;
    case 19: r = whereis(utf8Text(cmd.s1)); break;
    case 20: r = sendAfter(a, b > 0 ? b : 0, cmd.s1); break;
    case 21: { let left = cancelTimer(a); r = left >= 0 ? left : ERR_NOT_FOUND; break; }
    case 22: r = makeRef(); break;
    case 23: r = nowMs(); break;
    case 24: selective(from, op, a, b, cmd.s1); return;
    case 25: callServer(from, op, a, b, cmd.s1); return;
    case 26: {
      let msg = Json.parse(cmd.s1);
      r = cast(a, msg != null ? msg : Json.nil());
      break;
    }
    case 27: r = sys.send(self(), 0x7fff0000, 64); break;
    case 28: throw new Error("conf_as: crash requested");
    case 29: print(utf8Text(cmd.s1)); break;
    case 30: {
      // `s1` is the name then the node; `a` is the name's length.
      if (a < 0 || a > <i64>cmd.s1.length) {
        r = ERR_BAD_ARG;
        break;
      }
      let at = <i32>a;
      r = sendNamedAt(utf8Text(cmd.s1.subarray(0, at)), utf8Text(cmd.s1.subarray(at)), cmd.s2);
      break;
    }
    case 31: {
      let name = utf8(node());
      reply(from, op, name.length, 0, 0, name);
      return;
    }
    case 32: {
      let list = nodes();
      let text = "";
      for (let i = 0; i < list.length; i++) text += list[i] + "\n";
      let bytes = utf8(text);
      reply(from, op, bytes.length, 0, 0, bytes);
      return;
    }
    case 33: {
      let name = utf8(pidNode(a));
      reply(from, op, name.length, 0, 0, name);
      return;
    }
    case 34: r = a == 0 || a == 1 ? monitorNode(utf8Text(cmd.s1), a == 1) : ERR_BAD_ARG; break;
    case 35:
      if (a == 0 || a == 1) monitorNodes(a == 1);
      else r = ERR_BAD_ARG;
      break;
    case 36: {
      // `s1` is the node then the module; `a` is the node's length.
      if (a < 0 || a > <i64>cmd.s1.length) {
        r = ERR_BAD_ARG;
        break;
      }
      let at = <i32>a;
      let flags = (b & 1 ? sys.SPAWN_LINK : 0) | (b & 2 ? sys.SPAWN_MONITOR : 0);
      let nodeName = utf8Text(cmd.s1.subarray(0, at));
      let child = spawnAt(nodeName, utf8Text(cmd.s1.subarray(at)), cmd.s2, flags);
      reply(from, op, child.pid, child.monitor, 0, EMPTY);
      return;
    }
    case 37: {
      let text = utf8(pidToString(a));
      reply(from, op, text.length, 0, 0, text);
      return;
    }
    default: r = ERR_BAD_ARG;
  }
  reply(from, op, r, 0, 0, EMPTY);
}

/** One raw `recv`: the message stays queued. */
function rawRecv(from: Pid, op: u8, index: i32, timeout: i64): void {
  let buf = new Uint8Array(256);
  let n = sys.recv(index, timeout, buf.dataStart, buf.length, info);
  if (n > buf.length) {
    buf = new Uint8Array(n);
    n = sys.recv(index, 0, buf.dataStart, n, info);
  }
  let data = n >= 0 ? buf.slice(0, min(n, buf.length)) : EMPTY;
  reply(from, op, n, load<u32>(info), load<i64>(info, 8), data);
}

/** The protocol's filter: a kind (-1 any) and, for user messages, a prefix; never a command. */
class Filter extends Pattern {
  constructor(private kind: i64, private prefix: Uint8Array) {
    super();
  }

  matches(m: Message): bool {
    if (m.isUser && (isCommand(m) || !startsWith(m.data, this.prefix))) return false;
    return this.kind < 0 || <i64>m.kind == this.kind;
  }
}

/** The SDK's selective receive. */
function selective(from: Pid, op: u8, kind: i64, timeout: i64, prefix: Uint8Array): void {
  let m = receiveWith(new Filter(kind, prefix), timeout);
  if (m == null) {
    reply(from, op, ERR_TIMEOUT, 0, 0, EMPTY);
    return;
  }
  let data = m.data;
  if (m.isExit) data = m.reason().encode();
  if (m.isDown) data = new ByteWriter().i64le(m.monitorRef).bytes(m.reason().encode()).toBytes();
  reply(from, op, 0, m.kind, m.sender, data);
}

/** The SDK's gen_server call. */
function callServer(from: Pid, op: u8, server: Pid, timeout: i64, request: Uint8Array): void {
  let req = Json.parse(request);
  if (req == null) {
    reply(from, op, ERR_BAD_ARG, 0, 0, EMPTY);
    return;
  }
  let res = call(server, req, timeout);
  if (res.ok) {
    reply(from, op, 0, 0, 0, changetype<Json>(res.value).toBytes());
  } else if (res.code == ERR_TIMEOUT) {
    reply(from, op, ERR_TIMEOUT, 0, 0, EMPTY);
  } else if (res.code == ERR_NOPROC && res.reason != null) {
    reply(from, op, ERR_NOPROC, 0, 0, changetype<ExitReason>(res.reason).encode());
  } else {
    reply(from, op, ERR_BAD_ARG, 0, 0, EMPTY);
  }
}
