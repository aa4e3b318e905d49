// Timers: messages delivered later.

import { toBytes } from "./bytes";
import * as sys from "./sys";
import { Pid } from "./sys";

/**
 * Sends `msg` (bytes, a string, a `Json`) to `pid` after `delayMs` as a user message from
 * the caller. As in Erlang the timer is cancelled when `pid` ends first. Returns the timer
 * reference, `ERR_TOO_BIG`, or `ERR_BAD_ARG` (a delay below 0 or above 2^32 - 1 ms).
 */
export function sendAfter<T>(pid: Pid, delayMs: i64, msg: T): i64 {
  let bytes = toBytes(msg);
  return sys.send_after(pid, delayMs, bytes.dataStart, bytes.length);
}

/** Cancels a timer: the milliseconds that were left, or `ERR_NOT_FOUND` when it already fired or was cancelled. */
export function cancelTimer(ref: i64): i64 {
  return sys.cancel_timer(ref);
}
