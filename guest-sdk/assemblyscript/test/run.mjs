// Runs the SDK's unit tests (a wasm built from sdk_test.ts) against a fake host: a mailbox
// held in JavaScript, as the Rust SDK's FakeMailbox. Every exported `test_*` function runs
// in a fresh instance; a test fails when it reports a failure, traps, or ends the process
// in a way it did not announce with `expectExit`.
//
//   node run.mjs sdk_test.wasm

import { readFileSync } from "node:fs";

const ERR_TIMEOUT = -1, ERR_BAD_ARG = -11, ERR_NO_MESSAGE = -8;

class Exited extends Error {}

function fakeHost() {
  const s = {
    queue: [], arriving: [], clock: 0n, recvBufLens: [], sent: [], current: new Uint8Array(0),
    parent: 0n, failures: [], expected: null, exited: null, out: "", mem: null,
  };
  const bytes = (ptr, len) => new Uint8Array(s.mem.buffer, ptr >>> 0, len).slice();
  const copyOut = (src, ptr, len) => {
    const n = Math.min(src.length, len);
    new Uint8Array(s.mem.buffer, ptr >>> 0, n).set(src.subarray(0, n));
    return n;
  };
  const copyName = (name, ptr, cap) => {
    const b = new TextEncoder().encode(name);
    copyOut(b, ptr, cap);
    return b.length;
  };
  const view = () => new DataView(s.mem.buffer);
  const text = (b) => new TextDecoder().decode(b);
  const hatchery_v1 = {
    self: () => 42n,
    parent: () => s.parent,
    now_ms: () => s.clock,
    make_ref: () => 7n,
    recv(index, timeout, buf, len, info) {
      s.recvBufLens.push(len);
      if (index < 0) return ERR_BAD_ARG;
      if (index >= s.queue.length) {
        if (timeout === 0n) return ERR_TIMEOUT;
        if (s.arriving.length > 0) {
          s.clock += 1n;
          s.queue.push(s.arriving.shift());
        } else {
          if (timeout < 0n) throw new Error("the fake mailbox cannot wait forever");
          s.clock += timeout;
          return ERR_TIMEOUT;
        }
      }
      const m = s.queue[index];
      copyOut(m.data, buf, len);
      view().setUint32(info, m.kind, true);
      view().setUint32(info + 4, 0, true);
      view().setBigInt64(info + 8, m.sender, true);
      return m.data.length;
    },
    take(index) {
      if (index < 0 || index >= s.queue.length) return ERR_NO_MESSAGE;
      s.queue.splice(index, 1);
      return 0;
    },
    mailbox_len: () => s.queue.length,
    message_read: (ptr, len) => (copyOut(s.current, ptr, len), s.current.length),
    send(pid, ptr, len) {
      s.sent.push({ pid, data: bytes(ptr, len) });
      return 0;
    },
    monitor: () => 99n,
    demonitor: () => 0,
    // A node alone, "nonode", that knows pid 77 as one of node "b".
    node_name: (ptr, cap) => copyName("nonode", ptr, cap),
    pid_node: (pid, ptr, cap) => copyName(pid === 77n ? "b" : "nonode", ptr, cap),
    exit(kind, ptr, len) {
      s.exited = { kind, detail: bytes(ptr, len) };
      throw new Exited();
    },
  };
  const wasi_snapshot_preview1 = {
    fd_write(fd, iovs, n, written) {
      let total = 0;
      for (let i = 0; i < n; i++) {
        const ptr = view().getUint32(iovs + 8 * i, true);
        const len = view().getUint32(iovs + 8 * i + 4, true);
        s.out += text(bytes(ptr, len));
        total += len;
      }
      view().setUint32(written, total, true);
      return 0;
    },
  };
  const message = (kind, sender, ptr, len) => ({ kind, sender, data: bytes(ptr, len) });
  const test = {
    fail: (ptr, len) => s.failures.push(text(bytes(ptr, len))),
    push: (...a) => s.queue.push(message(...a)),
    arrive: (...a) => s.arriving.push(message(...a)),
    queued: () => s.queue.length,
    queued_read: (i, ptr, len) => (i < s.queue.length ? (copyOut(s.queue[i].data, ptr, len), s.queue[i].data.length) : -1),
    recv_calls: () => s.recvBufLens.length,
    recv_buf_len: (i) => s.recvBufLens[i] ?? -1,
    clock: () => s.clock,
    sent_count: () => s.sent.length,
    sent_pid: (i) => s.sent[i]?.pid ?? -1n,
    sent_read: (i, ptr, len) => (i < s.sent.length ? (copyOut(s.sent[i].data, ptr, len), s.sent[i].data.length) : -1),
    set_current: (ptr, len) => { s.current = bytes(ptr, len); },
    set_parent: (pid) => { s.parent = pid; },
    expect_exit: (kind, ptr, len) => { s.expected = { kind, detail: text(bytes(ptr, len)) }; },
  };
  return { s, imports: { hatchery_v1, wasi_snapshot_preview1, test } };
}

const module = await WebAssembly.compile(readFileSync(process.argv[2]));
const names = WebAssembly.Module.exports(module).map((e) => e.name).filter((n) => n.startsWith("test_"));
let failed = 0;
for (const name of names) {
  const { s, imports } = fakeHost();
  const instance = await WebAssembly.instantiate(module, imports);
  s.mem = instance.exports.memory;
  let problem = null;
  try {
    instance.exports._initialize?.();
    instance.exports[name]();
  } catch (e) {
    if (!(e instanceof Exited)) problem = `${e}${s.out ? `\n${s.out.trimEnd()}` : ""}`;
  }
  if (s.expected && !s.exited) problem ??= `expected an exit with kind ${s.expected.kind}`;
  if (s.exited && !s.expected) problem ??= `unexpected exit, kind ${s.exited.kind}: ${new TextDecoder().decode(s.exited.detail)}`;
  if (s.exited && s.expected) {
    const detail = new TextDecoder().decode(s.exited.detail);
    if (s.exited.kind !== s.expected.kind || detail !== s.expected.detail) {
      problem ??= `exit kind ${s.exited.kind} "${detail}", want kind ${s.expected.kind} "${s.expected.detail}"`;
    }
  }
  const all = [...s.failures, ...(problem ? [problem] : [])];
  if (all.length > 0) {
    failed++;
    console.log(`FAIL ${name}\n  ${all.join("\n  ")}`);
  } else {
    console.log(`ok   ${name}`);
  }
}
console.log(`${names.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 || names.length === 0 ? 1 : 0);
