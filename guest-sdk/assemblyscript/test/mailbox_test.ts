// Unit tests of the receive loop, the server layer and the gen_server client, against the
// fake mailbox of run.mjs (its monitor always returns 99, its self is 42).

import {
  ERR_NOPROC, ERR_TIMEOUT, ExitReason, From, Json, KIND_DOWN, KIND_EXIT, KIND_NODEDOWN,
  KIND_NODEUP, KIND_USER, Message, NOW, Pattern, REASON_CUSTOM, REASON_SHUTDOWN, Server,
  ByteWriter, call, pidToString, receive, receiveMatch, receiveWith, serve, startsWith, utf8,
  utf8Text,
} from "../hatchery";
import {
  hatchery_code_change, hatchery_handle, hatchery_main, hatchery_state_save,
} from "../hatchery/server";
import {
  arrive, check, checkInt, checkText, clock, expectExit, push, queued, queuedText, recvBufLen,
  recvCalls, sentCount, sentPid, sentText, setCurrent, setParent,
} from "./fake";

class Prefix extends Pattern {
  constructor(private prefix: string) {
    super();
  }

  matches(m: Message): bool {
    return m.startsWith(utf8(this.prefix));
  }
}

export function test_receive_takes_the_first_match_and_keeps_the_rest(): void {
  push(KIND_USER, 1, utf8("a"));
  push(KIND_USER, 2, utf8("b"));
  push(KIND_USER, 3, utf8("c"));
  let m = receiveWith(new Prefix("b"), NOW);
  check(m != null && m.text() == "b" && m.sender == 2, "took b");
  checkInt(queued(), 2, "two left");
  checkText(queuedText(0) + queuedText(1), "ac", "a and c stayed in order");
}

export function test_receive_times_out_and_leaves_the_mailbox_alone(): void {
  push(KIND_USER, 1, utf8("a"));
  push(KIND_EXIT, 2, new Uint8Array(1));
  let m = receiveWith(new Prefix("z"), 50);
  check(m == null, "nothing matched");
  checkInt(queued(), 2, "both stayed");
  checkInt(clock(), 50, "waited the whole timeout");
}

function isWanted(m: Message): bool {
  return m.is("wanted");
}

export function test_receive_waits_for_a_later_match(): void {
  push(KIND_USER, 1, utf8("noise"));
  arrive(KIND_USER, 2, utf8("more noise"));
  arrive(KIND_USER, 3, utf8("wanted"));
  let m = receiveMatch(isWanted, 1000);
  check(m != null && m.sender == 3, "the wanted message");
  checkInt(queued(), 2, "the noise stayed");
}

export function test_receive_grows_the_buffer_for_a_big_message(): void {
  let big = new Uint8Array(5000);
  big.fill(7);
  push(KIND_USER, 9, big);
  let m = receive(NOW);
  check(m != null && m.data.length == 5000 && m.data[4999] == 7, "all 5000 bytes");
  checkInt(recvCalls(), 2, "a look, then a read with room");
  check(recvBufLen(0) < 5000 && recvBufLen(1) >= 5000, "the second read had room");
  push(KIND_USER, 9, big);
  receive(NOW);
  checkInt(recvCalls(), 3, "the grown buffer was kept: one read");
}

export function test_receive_skips_unknown_kinds(): void {
  push(9, 1, utf8("?"));
  push(KIND_DOWN, 1, new Uint8Array(3)); // too short for a DOWN
  push(KIND_USER, 2, utf8("ok"));
  let m = receive(NOW);
  check(m != null && m.sender == 2, "the user message");
  checkInt(queued(), 2, "the others stayed");
}

export function test_receive_node_messages(): void {
  push(KIND_NODEUP, 0, utf8("b"));
  push(KIND_NODEDOWN, 0, utf8("c"));
  let up = receive(NOW);
  check(up != null && up.isNodeUp && up.node == "b" && up.sender == 0, "NODEUP b");
  let down = receive(NOW);
  check(down != null && down.isNodeDown && down.node == "c", "NODEDOWN c");
  check(down != null && !down.isUser && down.json() == null, "not a user message");
}

export function test_pids_print_with_their_node(): void {
  checkText(pidToString(42), "<0.42>", "a pid of this node");
  checkText(pidToString(77), "<b.77>", "a pid of node b");
}

export function test_receive_decodes_exit_and_down(): void {
  push(KIND_EXIT, 4, ExitReason.custom("boom").encode());
  push(KIND_DOWN, 5, new ByteWriter().i64le(77).byte(1).toBytes());
  let e = receive(NOW)!;
  check(e.isExit && e.sender == 4, "an EXIT");
  checkText(e.reason().toString(), "custom: boom", "its reason");
  let d = receive(NOW)!;
  check(d.isDown && d.sender == 5, "a DOWN");
  checkInt(d.monitorRef, 77, "its reference");
  checkText(d.reason().toString(), "killed", "its reason");
}

export function test_call_takes_only_its_reply(): void {
  push(KIND_USER, 8, utf8('{"$reply": {"ref": 98, "value": "other call"}}'));
  push(KIND_USER, 8, utf8("not json"));
  push(KIND_USER, 8, utf8(' {"$reply": {"value": {"n": 1}, "ref": 99}}'));
  let r = call(8, Json.string("get"), 1000);
  check(r.ok, "the call succeeded");
  checkText(r.value != null ? r.value!.toString() : null, '{"n": 1}', "the value");
  checkText(sentText(0), '{"$call":{"ref":99,"req":"get"}}', "the request");
  checkInt(sentPid(0), 8, "sent to the server");
  checkInt(queued(), 2, "the other messages stayed");
}

export function test_call_ends_on_down_or_timeout(): void {
  push(KIND_DOWN, 8, new ByteWriter().i64le(98).byte(4).toBytes()); // another monitor's
  push(KIND_DOWN, 8, new ByteWriter().i64le(99).byte(2).toBytes());
  let r = call(8, Json.nil(), 1000);
  checkInt(r.code, ERR_NOPROC, "a DOWN ends the call");
  checkText(r.reason != null ? r.reason!.toString() : null, "noproc", "with the reason");
  checkInt(queued(), 1, "the other DOWN stayed");
  let t = call(8, Json.nil(), 30);
  checkInt(t.code, ERR_TIMEOUT, "no reply in time");
}

/** A server that records what it was given. */
class Recorder extends Server {
  log: string[] = [];

  init(): void { this.log.push("init"); }

  handleCall(request: Json, from: From): Json | null {
    this.log.push("call " + request.toString() + " from " + from.pid.toString());
    if (request.isText("stop")) this.stop(ExitReason.custom("asked"));
    if (request.isText("later")) return null;
    return Json.int(<i64>this.log.length);
  }

  handleCast(message: Json): void { this.log.push("cast " + message.toString()); }
  handleInfo(m: Message): void { this.log.push("info " + m.kind.toString() + " " + utf8Text(m.data)); }
  terminate(reason: ExitReason): void { this.log.push("terminate " + reason.toString()); }
  saveState(): Uint8Array { return utf8(this.log.join("|")); }

  codeChange(oldVersion: i32, state: Uint8Array): string | null {
    if (oldVersion != 1) return "";
    this.log = utf8Text(state).split("|");
    return null;
  }
}

function handle(kind: u32, sender: i64, text: string): void {
  let data = utf8(text);
  setCurrent(data);
  hatchery_handle(kind, sender, data.length);
}

export function test_server_dispatches_calls_casts_and_infos(): void {
  let s = new Recorder();
  serve(s);
  hatchery_main();
  handle(KIND_USER, 5, ' { "$call" : { "req" : "get" , "ref" : 12 } } ');
  checkText(sentText(0), '{"$reply":{"ref":12,"value":2}}', "the reply");
  checkInt(sentPid(0), 5, "to the caller");
  handle(KIND_USER, 5, '{"$call": {"ref": 13, "req": "later"}}');
  checkInt(sentCount(), 1, "no reply when handleCall returns null");
  handle(KIND_USER, 6, '{"$cast": [1, 2]}');
  handle(KIND_USER, 6, '{"$cast": 1'); // not JSON: an info
  handle(KIND_USER, 6, '{"other": 1}');
  handle(KIND_USER, 6, '{"$call": 5}'); // no ref, no req: a call of null
  handle(KIND_EXIT, 7, "\x07x"); // not from the parent: an info
  handle(KIND_DOWN, 7, "short"); // malformed: ignored
  handle(KIND_NODEDOWN, 0, "elsewhere"); // a node message: an info
  handle(9, 7, "?"); // unknown kind: ignored
  let want = "init|call \"get\" from 5|call \"later\" from 5|cast [1, 2]|info 0 {\"$cast\": 1"
    + "|info 0 {\"other\": 1}|call null from 6|info 1 \x07x|info 4 elsewhere";
  checkText(s.log.join("|"), want, "the callbacks");
  checkText(sentText(1), '{"$reply":{"ref":0,"value":7}}', "a call without a ref is answered with 0");
}

export function test_server_stops_on_its_parents_exit_signal(): void {
  let s = new Recorder();
  serve(s);
  setParent(3);
  expectExit(REASON_SHUTDOWN);
  handle(KIND_EXIT, 3, "\x04");
}

export function test_server_stop_from_a_call(): void {
  serve(new Recorder());
  expectExit(REASON_CUSTOM, utf8("asked"));
  handle(KIND_USER, 5, '{"$call": {"ref": 1, "req": "stop"}}');
}

export function test_server_without_serve_exits_with_a_reason(): void {
  expectExit(REASON_CUSTOM, utf8("a server module must call serve(new MyServer()) at its top level"));
  handle(KIND_USER, 5, "x");
}

export function test_server_state_save_and_code_change(): void {
  let s = new Recorder();
  serve(s);
  s.log = ["a", "b"];
  let packed = hatchery_state_save();
  let ptr = <usize>(<u64>packed >> 32);
  let len = <i32>(packed & 0xffffffff);
  let saved = new Uint8Array(len);
  memory.copy(saved.dataStart, ptr, <usize>len);
  checkText(utf8Text(saved), "a|b", "the saved state");
  let fresh = new Recorder();
  serve(fresh);
  setCurrent(saved);
  checkInt(hatchery_code_change(1, len), 0, "taken");
  checkText(fresh.log.join("|"), "a|b", "the state arrived");
  let refused = hatchery_code_change(2, len);
  check(refused != 0, "refused");
  let reason = new Uint8Array(<i32>(refused & 0xffffffff));
  memory.copy(reason.dataStart, <usize>(<u64>refused >> 32), <usize>reason.length);
  checkText(utf8Text(reason), "refused", "an empty refusal says refused");
  check(startsWith(utf8("abc"), utf8("ab")), "startsWith");
}
