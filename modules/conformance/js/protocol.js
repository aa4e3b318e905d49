// The wire format of the conformance protocol (modules/conformance/PROTOCOL.md): commands
// to conf_js, and its replies. All integers are little-endian.

import { send } from "../../../guest-sdk/js/hatchery/index.js";

/** The first byte of a command. */
export const MAGIC = 0xc0;
/** The first byte of a reply. */
export const REPLY = 0xc1;
/** The size of a command or reply before its strings. */
const HEADER = 40;

/**
 * A parsed command: `{op, a, b, c, s1, s2}` (a, b, c as numbers), or null when the bytes
 * are shorter than what they say they hold.
 *
 * @param {Uint8Array} data
 */
export function parse(data) {
  if (data.length < HEADER) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len1 = view.getUint32(32, true);
  const len2 = view.getUint32(36, true);
  if (data.length < HEADER + len1 + len2) return null;
  const i64 = (at) => Number(view.getBigInt64(at, true));
  return {
    op: data[1],
    a: i64(8),
    b: i64(16),
    c: i64(24),
    s1: data.subarray(HEADER, HEADER + len1),
    s2: data.subarray(HEADER + len1, HEADER + len1 + len2),
  };
}

/**
 * Sends the reply to `op`: result r, the integers x and y, and data.
 *
 * @param {import("../../../guest-sdk/js/hatchery/index.js").Pid} to
 * @param {number} op
 * @param {number} r
 * @param {number} [x]
 * @param {number} [y]
 * @param {Uint8Array} [data]
 */
export function reply(to, op, r, x = 0, y = 0, data = new Uint8Array(0)) {
  const out = new Uint8Array(HEADER + data.length);
  const view = new DataView(out.buffer);
  out[0] = REPLY;
  out[1] = op;
  view.setBigInt64(8, BigInt(r), true);
  view.setBigInt64(16, BigInt(x), true);
  view.setBigInt64(24, BigInt(y), true);
  view.setUint32(32, data.length, true);
  out.set(data, HEADER);
  send(to, out);
}
