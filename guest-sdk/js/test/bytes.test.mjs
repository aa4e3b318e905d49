// UTF-8, bytes and exit reasons: checked against Node's own TextEncoder and TextDecoder.
import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeUtf8, encodeUtf8, toBytes, startsWith, concatBytes } from "../hatchery/bytes.js";
import { ExitReason, KINDS } from "../hatchery/reason.js";
import { rawId, waitMs, Pid } from "../hatchery/pid.js";

test("encodeUtf8 matches TextEncoder, lone surrogates included", () => {
  const samples = ["", "ascii", "héllo", "✓ 😀", "\uD800", "a\uDC00b", "\uDBFF\uDFFF"];
  const unit = () => Math.floor(Math.random() * 0x10000);
  for (let i = 0; i < 200; i++) {
    samples.push(String.fromCharCode(...Array.from({ length: 8 }, unit)));
  }
  for (const s of samples) {
    assert.deepEqual(encodeUtf8(s), new TextEncoder().encode(s), JSON.stringify(s));
  }
});

test("decodeUtf8 matches TextDecoder, invalid sequences included", () => {
  const samples = [
    [0xff], [0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
    [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x61, 0xe2, 0x82, 0x62], [0xf0, 0x9f, 0x98, 0x80],
  ];
  const byte = () => Math.floor(Math.random() * 256);
  for (let i = 0; i < 500; i++) samples.push(Array.from({ length: 12 }, byte));
  for (const b of samples) {
    const bytes = new Uint8Array(b);
    assert.equal(decodeUtf8(bytes), new TextDecoder().decode(bytes), String(b));
  }
  const big = new TextEncoder().encode("ü".repeat(50_000));
  assert.equal(decodeUtf8(big), "ü".repeat(50_000));
});

test("toBytes takes bytes, buffers, views and strings, and nothing else", () => {
  const u = new Uint8Array([1, 2]);
  assert.equal(toBytes(u), u);
  assert.deepEqual(toBytes("é"), new Uint8Array([0xc3, 0xa9]));
  assert.deepEqual(toBytes(new Uint16Array([0x0201]).buffer), new Uint8Array([1, 2]));
  const view = new DataView(new Uint8Array([9, 8, 7]).buffer, 1);
  assert.deepEqual(toBytes(view), new Uint8Array([8, 7]));
  assert.throws(() => toBytes(undefined), TypeError);
  assert.throws(() => toBytes(42), TypeError);
  assert.ok(startsWith(u, new Uint8Array([1])));
  assert.deepEqual(concatBytes(u, u), new Uint8Array([1, 2, 1, 2]));
});

test("exit reasons follow the ABI table and round-trip", () => {
  assert.deepEqual([...ExitReason.normal.encode()], [0]);
  assert.deepEqual([...ExitReason.killed.encode()], [1]);
  assert.deepEqual([...ExitReason.shutdown.encode()], [4]);
  assert.deepEqual([...ExitReason.trap("x").encode()], [5, 0x78]);
  assert.deepEqual([...ExitReason.limit("mailbox").encode()].slice(0, 2), [6, 0x6d]);
  assert.deepEqual([...ExitReason.custom("exit status 3").encode()].slice(0, 1), [7]);
  const all = [
    ...KINDS.slice(0, 5).map((k) => ExitReason[k]),
    ExitReason.trap("wasm trap\n0: main"),
    ExitReason.limit("memory"),
    ExitReason.custom(new Uint8Array([0xff, 0, 1])),
    ExitReason.custom(""),
    ExitReason.undef("module nope is not loaded"),
  ];
  for (const r of all) {
    assert.ok(ExitReason.decode(r.encode()).equals(r), String(r));
    assert.ok(ExitReason.fromWit(r.toWit()).equals(r), String(r));
  }
  const unknown = new Uint8Array([42, 1]);
  assert.ok(ExitReason.decode(unknown).equals(ExitReason.custom(unknown)));
  assert.ok(ExitReason.decode(new Uint8Array([])).equals(ExitReason.custom("")));
  assert.equal(String(ExitReason.custom("bye")), "custom: bye");
  assert.equal(String(ExitReason.custom(new Uint8Array([0xff, 1]))), "custom: 0xff01");
  assert.equal(String(ExitReason.noproc), "noproc");
  assert.equal(String(ExitReason.custom("")), "custom: ");
});

test("ids the bindings cannot take name nothing", () => {
  assert.equal(rawId(new Pid(5), "a pid"), 5);
  assert.equal(rawId(7, "a pid"), 7);
  assert.equal(rawId(7n, "a pid"), 7);
  for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 64]) assert.equal(rawId(bad, "a pid"), 0);
  assert.throws(() => rawId("7", "a pid"), TypeError);
  assert.equal(JSON.stringify({ from: new Pid(3) }), '{"from":3}');
  assert.equal(String(new Pid(3)), "<0.3>");
  assert.ok(new Pid(3).equals(3) && !new Pid(3).equals(null));
});

test("timeouts: null and Infinity wait forever, fractions round up, negatives do not wait", () => {
  assert.equal(waitMs(null), null);
  assert.equal(waitMs(undefined), null);
  assert.equal(waitMs(Infinity), null);
  assert.equal(waitMs(0), 0);
  assert.equal(waitMs(-5), 0);
  assert.equal(waitMs(0.2), 1);
  assert.equal(waitMs(150), 150);
  assert.throws(() => waitMs(NaN), TypeError);
  assert.throws(() => waitMs("5"), TypeError);
});
