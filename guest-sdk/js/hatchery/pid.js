// Process ids, and the checks that keep bad numbers away from the bindings (which trap,
// rather than throw, on a negative or too large u64).

import host from "hatchery:process/host@0.1.0";

const U64_END = 2 ** 64;

/**
 * A process id. Pids are numbers in the host (u64 values below 2^53 that cannot be
 * guessed, so a JS number holds them exactly); this class gives them a type, Erlang's
 * `<0.N>` form (`<NODE.N>` for a pid of another node), and JSON as the bare number (so
 * `{"from": pid}` is what other languages send).
 *
 * Compare pids with `equals` (or their `id`s): two Pid objects are never `===`.
 */
export class Pid {
  /** @param {number} id */
  constructor(id) {
    /** The number the host knows the process by. @type {number} */
    this.id = id;
  }

  /**
   * A Pid from a Pid or a number.
   *
   * @param {Pid | number} pid
   * @returns {Pid}
   */
  static from(pid) {
    return pid instanceof Pid ? pid : new Pid(rawId(pid, "a pid"));
  }

  /** Whether `other` (a Pid or a number) is the same process. */
  equals(other) {
    return other !== null && other !== undefined && rawId(other, "a pid") === this.id;
  }

  /** Erlang's form: `<0.42>` for a pid of this node, `<NODE.42>` for another node's. */
  toString() {
    const at = host.pidNode(rawId(this.id, "a pid"));
    return `<${at === host.nodeName() ? "0" : at}.${this.id}>`;
  }

  /** JSON: the bare number. */
  toJSON() {
    return this.id;
  }

  valueOf() {
    return this.id;
  }
}

/**
 * A pid or reference as the bindings take it (u64). A value that cannot name anything (a
 * negative, fractional or too large number) becomes 0, which never names a live process
 * or a live reference, so the host answers as it does for a dead one (ABI.md §1).
 *
 * @param {Pid | number | bigint} x
 * @param {string} what what x is, for the TypeError when it is not a number
 * @returns {number}
 */
export function rawId(x, what) {
  if (x instanceof Pid) return x.id;
  const n = typeof x === "bigint" ? Number(x) : x;
  if (typeof n !== "number") {
    throw new TypeError(`${what} must be a Pid or a number, not ${typeof x}`);
  }
  return Number.isInteger(n) && n >= 0 && n < U64_END ? n : 0;
}

/**
 * A timeout as the host takes it (`option<u64>` milliseconds): `null`, `undefined` or
 * `Infinity` wait forever; 0 or less looks only at what is already there; a fraction
 * rounds up, so a short timeout still waits.
 *
 * @param {number | null | undefined} timeout milliseconds
 * @returns {number | null}
 */
export function waitMs(timeout) {
  if (timeout === null || timeout === undefined || timeout === Infinity) return null;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError("a timeout is a number of milliseconds, or null to wait forever");
  }
  if (timeout <= 0) return 0;
  const ms = Math.ceil(timeout);
  return ms >= U64_END ? null : ms;
}
