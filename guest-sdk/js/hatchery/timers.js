// Timers (ABI.md §5): a message sent later, as Erlang's erlang:send_after.

import host from "hatchery:process/host@0.1.0";
import { toBytes } from "./bytes.js";
import { HatcheryError, hostCall } from "./errors.js";
import { rawId } from "./pid.js";
import { jsonBytes } from "./process.js";

/** Erlang's limit on a timer's delay: 2^32 - 1 ms. */
export const MAX_DELAY_MS = 0xffffffff;

/**
 * Sends `data` to `to` after `delayMs` milliseconds, as a user message from this
 * process. The timer is cancelled when `to` ends first.
 *
 * @param {Pid | number} to
 * @param {number} delayMs 0 to MAX_DELAY_MS (a fraction rounds up)
 * @param {Uint8Array | ArrayBuffer | string} data
 * @returns {number} the timer reference, for cancelTimer
 * @throws {HatcheryError} bad-arg (a delay out of range), too-big
 */
export function sendAfter(to, delayMs, data) {
  const bytes = toBytes(data);
  if (typeof delayMs !== "number" || !(delayMs >= 0 && delayMs <= MAX_DELAY_MS)) {
    const why = `a timer's delay is 0 to ${MAX_DELAY_MS} ms, not ${delayMs}`;
    throw new HatcheryError("bad-arg", why);
  }
  const delay = Math.ceil(delayMs);
  return hostCall(() => host.sendAfter(rawId(to, "the receiver"), delay, bytes));
}

/** sendAfter with a value sent as JSON. */
export function sendAfterJson(to, delayMs, value) {
  return sendAfter(to, delayMs, jsonBytes(value));
}

/**
 * Cancels a timer.
 *
 * @param {number} ref
 * @returns {number | null} the milliseconds that were left, or null when it already fired
 *   or was cancelled
 */
export function cancelTimer(ref) {
  return host.cancelTimer(rawId(ref, "a timer reference"));
}
