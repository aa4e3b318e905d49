// The test side of the fake host in run.mjs: what a test uses to set up a mailbox and to
// look at what the SDK did, and the assertions.

import { EMPTY, utf8, utf8Text } from "../hatchery";

@external("test", "fail") declare function fail(ptr: usize, len: i32): void;
@external("test", "push") declare function push_(kind: u32, sender: i64, ptr: usize, len: i32): void;
@external("test", "arrive") declare function arrive_(kind: u32, sender: i64, ptr: usize, len: i32): void;
@external("test", "queued") export declare function queued(): i32;
@external("test", "queued_read") declare function queued_read(i: i32, ptr: usize, len: i32): i32;
@external("test", "recv_calls") export declare function recvCalls(): i32;
@external("test", "recv_buf_len") export declare function recvBufLen(call: i32): i32;
@external("test", "clock") export declare function clock(): i64;
@external("test", "sent_count") export declare function sentCount(): i32;
@external("test", "sent_pid") export declare function sentPid(i: i32): i64;
@external("test", "sent_read") declare function sent_read(i: i32, ptr: usize, len: i32): i32;
@external("test", "set_current") declare function set_current(ptr: usize, len: i32): void;
@external("test", "set_parent") export declare function setParent(pid: i64): void;
@external("test", "expect_exit") declare function expect_exit(kind: u32, ptr: usize, len: i32): void;

/** Records a failure (the runner prints it and fails the test). */
export function check(ok: bool, what: string): void {
  if (ok) return;
  let b = utf8(what);
  fail(b.dataStart, b.length);
}

export function checkText(got: string | null, want: string, what: string): void {
  let shown = got == null ? "null" : changetype<string>(got);
  check(got != null && shown == want, what + ": got " + shown + ", want " + want);
}

export function checkInt(got: i64, want: i64, what: string): void {
  check(got == want, what + ": got " + got.toString() + ", want " + want.toString());
}

/** Queues a message in the fake mailbox. */
export function push(kind: u32, sender: i64, data: Uint8Array): void {
  push_(kind, sender, data.dataStart, data.length);
}

/** A message that arrives only when a receive waits past the end of the mailbox. */
export function arrive(kind: u32, sender: i64, data: Uint8Array): void {
  arrive_(kind, sender, data.dataStart, data.length);
}

/** The text of the queued message `i`. */
export function queuedText(i: i32): string {
  let n = queued_read(i, 0, 0);
  let b = new Uint8Array(max(n, 0));
  queued_read(i, b.dataStart, b.length);
  return utf8Text(b);
}

/** The bytes the SDK sent in send number `i`. */
export function sentText(i: i32): string {
  let n = sent_read(i, 0, 0);
  if (n < 0) return "(none)";
  let b = new Uint8Array(n);
  sent_read(i, b.dataStart, n);
  return utf8Text(b);
}

/** What `message_read` hands to the next `hatchery_handle`. */
export function setCurrent(data: Uint8Array): void {
  set_current(data.dataStart, data.length);
}

/** The runner fails the test unless the process exits with this reason. */
export function expectExit(kind: u32, detail: Uint8Array = EMPTY): void {
  expect_exit(kind, detail.dataStart, detail.length);
}
