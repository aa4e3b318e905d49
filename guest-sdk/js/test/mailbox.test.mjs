// The receive loop (ABI.md §4) and the gen_server layer, over the fake host.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { fake, reset, user, down, sentJson, writtenText, Exited } from "./fake-host.mjs";
import * as h from "../hatchery/index.js";

const texts = () => fake.queue.map((m) => new TextDecoder().decode(m.val.data));

beforeEach(() => reset());

test("receive takes the first match and keeps the rest in order", () => {
  fake.queue.push(user(1, "a"), user(2, "b"), user(3, "c"));
  const m = h.receive((m) => m.text() === "b", 0);
  assert.equal(m.text(), "b");
  assert.equal(m.from.id, 2);
  assert.deepEqual(texts(), ["a", "c"]);
});

test("no match times out and leaves the mailbox alone", () => {
  fake.queue.push(user(1, "a"), down(4, 9));
  assert.equal(h.receive(() => false, 50), null);
  assert.equal(fake.queue.length, 2);
  assert.equal(fake.clock, 1050);
});

test("a finite receive waits for a later match, with the time left", () => {
  fake.queue.push(user(1, "noise"));
  fake.arriving.push(user(2, "more noise"), user(3, "wanted"));
  const m = h.receive((m) => m.text() === "wanted", 1000);
  assert.equal(m.from.id, 3);
  assert.deepEqual(texts(), ["noise", "more noise"]);
});

test("receive without a match function takes the oldest message of any kind", () => {
  fake.queue.push(down(4, 9, { tag: "custom", val: new Uint8Array([104, 105]) }), user(1, "a"));
  const m = h.receive();
  assert.equal(m.kind, "down");
  assert.equal(m.monitor, 9);
  assert.equal(String(m.reason), "custom: hi");
});

test("unknown kinds are skipped, not taken", () => {
  fake.queue.push({ tag: "future-kind", val: {} }, user(2, "ok"));
  assert.equal(h.receive(null, 0).from.id, 2);
  assert.equal(fake.queue.length, 1);
});

test("Message.json parses once and says undefined for what is not JSON", () => {
  fake.queue.push(user(1, '{"a": 1}'), user(1, "not json"));
  assert.deepEqual(h.recv(0, 0).json(), { a: 1 });
  assert.equal(h.recv(1, 0).json(), undefined);
  assert.equal(h.recv(2, 0), null);
});

test("call tags the request with its monitor and takes only its own reply", () => {
  fake.queue.push(user(5, '{"$reply": {"ref": 1, "value": "old"}}'));
  // The reply arrives with whitespace and its keys in another order.
  fake.arriving.push(user(5, '{ "$reply" : { "value" : [1, 2], "ref" : 100 } }'));
  assert.deepEqual(h.call(5, { get: "x" }), [1, 2]);
  assert.deepEqual(sentJson(), [[5, { $call: { ref: 100, req: { get: "x" } } }]]);
  assert.deepEqual(fake.demonitored, [[100, true]]);
  assert.equal(fake.queue.length, 1, "the stale reply stays queued");
});

test("call ends at once with the server's exit reason", () => {
  fake.arriving.push(down(5, 100, { tag: "noproc" }));
  const isExit = (e) =>
    e instanceof h.ExitError && e.abiCode === -2 && String(e.reason) === "noproc";
  assert.throws(() => h.call(5, "get"), isExit);
});

test("call times out, demonitors with flush, and leaves a late reply for later", () => {
  assert.throws(() => h.call(5, "get", 100), (e) => e.code === "timeout" && e.abiCode === -1);
  assert.deepEqual(fake.demonitored, [[100, true]]);
  assert.throws(() => h.call("nobody", "get"), (e) => e.code === "not-registered");
});

test("cast sends the envelope, by pid or by name", () => {
  h.cast(5, 3);
  h.cast("known", { greet: "Ada" });
  assert.deepEqual(sentJson(), [[5, { $cast: 3 }], ["known", { $cast: { greet: "Ada" } }]]);
  assert.throws(() => h.cast("nobody", 1), (e) => e.code === "not-registered");
});

test("sendNamedAt names a node: this one as sendNamed, another without an answer", () => {
  assert.equal(h.node(), "nonode");
  h.sendNamedAt("known", h.node(), "here");
  h.sendNamedAtJson("anyone", "elsewhere", { n: 1 });
  assert.deepEqual(
    fake.sent.map(([to, d]) => [to, new TextDecoder().decode(d)]),
    [["known", "here"], ["anyone@elsewhere", '{"n":1}']],
  );
  assert.throws(() => h.sendNamedAt("nobody", "nonode", "x"), (e) => e.code === "not-registered");
});

test("nodes, pidNode and pids printed with their node", () => {
  assert.deepEqual(h.nodes(), []);
  assert.equal(h.pidNode(h.selfPid()), "nonode");
  assert.equal(String(h.selfPid()), "<0.10>");
  assert.equal(h.pidNode(77), "b");
  assert.equal(String(new h.Pid(77)), "<b.77>");
});

test("monitorNode delivers nodedown messages; monitorNodes sets the flag", () => {
  h.monitorNode("elsewhere", true);
  const m = h.receive((m) => m.kind === "nodedown", 0);
  assert.equal(m.node, "elsewhere");
  assert.equal(m.from.id, 0);
  assert.equal(String(m), "NODEDOWN elsewhere");
  assert.equal(m.json(), undefined);
  h.monitorNode("elsewhere", false);
  assert.deepEqual(fake.nodeMonitors, [["elsewhere", true], ["elsewhere", false]]);
  assert.throws(() => h.monitorNode("", true), (e) => e.code === "bad-name");
  h.monitorNodes(true);
  assert.equal(fake.monitorsNodes, true);
  fake.queue.push({ tag: "nodeup", val: "b" });
  const up = h.receive(null, 0);
  assert.deepEqual([up.kind, up.node], ["nodeup", "b"]);
});

test("spawnAt spawns on a node by name, linked or monitored", () => {
  const s = h.spawnAt("nonode", "worker", "args", { monitor: true });
  assert.equal(s.pid.id, 501);
  assert.ok(s.monitor > 0);
  assert.deepEqual(fake.spawned, [["worker", new TextEncoder().encode("args"), false, true]]);
  assert.throws(() => h.spawnAt("elsewhere", "worker"), (e) => e.code === "noproc");
});

/** A server that records what it was handed. */
function recorder() {
  const seen = [];
  return {
    seen,
    handleCall(req, from) {
      seen.push(["call", req, from.pid.id, from.ref]);
      if (req === "later") return h.noReply;
      if (req === "stop") return h.stop(h.ExitReason.custom("asked"), "bye");
      return { got: req };
    },
    handleCast(m) {
      seen.push(["cast", m]);
    },
    handleInfo(m) {
      seen.push(["info", m.kind, m.kind === "user" ? m.text() : m.node ?? String(m.reason)]);
    },
    terminate(r) {
      seen.push(["terminate", String(r)]);
    },
  };
}

test("serve hands calls, casts and everything else to the right callback", () => {
  const server = recorder();
  const { handle } = h.serve(server);
  handle(user(7, ' {"$call": {"req": "ping", "ref": 42}} '));
  handle(user(7, '{"$call": {"ref": 43, "req": "later"}}'));
  handle(user(7, '{"$cast": [1, 2]}'));
  handle(user(7, '{"other": 1}'));
  handle({ tag: "user", val: { sender: 7, data: new Uint8Array([0xff, 0x20, 0x78]) } });
  handle(user(7, '{"$call": "no ref"}'));
  handle({ tag: "exit", val: { sender: 99, reason: { tag: "killed" } } });
  handle({ tag: "nodedown", val: "elsewhere" });
  handle({ tag: "from-a-newer-host", val: 1 });
  assert.deepEqual(server.seen, [
    ["call", "ping", 7, 42],
    ["call", "later", 7, 43],
    ["cast", [1, 2]],
    ["info", "user", '{"other": 1}'],
    ["info", "user", "\ufffd x"],
    ["call", null, 7, 0],
    ["info", "exit", "killed"],
    ["info", "nodedown", "elsewhere"],
  ]);
  assert.deepEqual(sentJson(), [
    [7, { $reply: { ref: 42, value: { got: "ping" } } }],
    [7, { $reply: { ref: 0, value: { got: null } } }],
  ]);
});

test("a stop replies, runs terminate and exits with the reason", () => {
  const server = recorder();
  const { handle } = h.serve(server);
  const call = user(7, '{"$call": {"ref": 1, "req": "stop"}}');
  assert.throws(() => handle(call), (e) => e instanceof Exited && e.reason.tag === "custom");
  assert.deepEqual(sentJson(), [[7, { $reply: { ref: 1, value: "bye" } }]]);
  assert.deepEqual(server.seen.at(-1), ["terminate", "custom: asked"]);
});

test("an exit signal from the parent ends the server after terminate, as gen_server", () => {
  const server = recorder();
  const { handle } = h.serve(server);
  const exit = { tag: "exit", val: { sender: 1, reason: { tag: "shutdown" } } };
  assert.throws(() => handle(exit), (e) => e.reason.tag === "shutdown");
  assert.deepEqual(server.seen, [["terminate", "shutdown"]]);
});

test("stateSave and codeChange carry the state as JSON; a throw refuses", () => {
  const server = {
    n: 5,
    save() {
      return { n: this.n };
    },
    codeChange(old, state) {
      if (state.n < 0) throw new Error(`negative from v${old}`);
      this.n = state.n;
    },
  };
  const exports = h.serve(server);
  const saved = exports.stateSave();
  assert.equal(new TextDecoder().decode(saved), '{"n":5}');
  server.n = 0;
  exports.codeChange(1, saved);
  assert.equal(server.n, 5);
  const negative = new TextEncoder().encode('{"n": -1}');
  assert.throws(() => exports.codeChange(1, negative), (e) => e === "negative from v1");
  assert.throws(() => exports.codeChange(1, new Uint8Array([0xff])), (e) => typeof e === "string");
});

test("print and eprint write lines through the host; console is installed", () => {
  const long = "x".repeat(9000); // WASI's 4096-byte limit on a write is gone
  h.print(long, 1, { a: [true] }, new h.Pid(3));
  h.eprint("é", new Error("boom").message);
  h.console.log("via console");
  h.console.error("to stderr");
  assert.ok(writtenText("stdout") === `${long} 1 {"a":[true]} <0.3>\nvia console\n`);
  assert.equal(writtenText("stderr"), "é boom\nto stderr\n");
  assert.equal(fake.written.length, 4, "one write per line");
  // Node has a console of its own; in QuickJS index.js installs the SDK's.
  assert.equal(typeof globalThis.console.log, "function");
});

test("Math.random stays in [0, 1) and is seeded once per instance from the host", () => {
  const before = fake.nextRef;
  const xs = Array.from({ length: 1000 }, Math.random);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.ok(new Set(xs).size > 990);
  assert.ok(fake.nextRef - before <= 1, "at most one make-ref for the seed");
});

test("instances with different references draw different numbers", async () => {
  // A fresh copy of random.js is a fresh instance's generator, still unseeded.
  const draw = async (tag, ref, clock) => {
    fake.nextRef = ref;
    fake.clock = clock;
    const { randomFloat } = await import(`../hatchery/random.js?${tag}`);
    return Array.from({ length: 4 }, randomFloat);
  };
  const a = await draw("a", 500, 1000);
  const b = await draw("b", 501, 1000); // the next process on the same node, same ms
  const c = await draw("c", 500, 1000); // the same seed: the same sequence
  assert.notDeepEqual(a, b);
  assert.ok(a.every((x, i) => x !== b[i]), "no draw in common");
  assert.deepEqual(a, c);
  assert.equal(fake.nextRef, 501, "each instance took one reference");
});
