// Registered names (ABI.md §5): one name per process, unique on the node, removed when
// the process ends.

import host from "hatchery:process/host@0.1.0";
import { hostString } from "./bytes.js";
import { hostCall } from "./errors.js";
import { Pid, rawId } from "./pid.js";
import { selfPid } from "./process.js";

/**
 * Registers `pid` (default: this process) under `name`.
 *
 * @param {string} name 1 to 255 bytes of UTF-8
 * @param {Pid | number} [pid]
 * @throws {HatcheryError} name-taken, already-registered, noproc, bad-name
 */
export function register(name, pid = selfPid()) {
  const n = hostString(name, "a name");
  hostCall(() => host.register(n, rawId(pid, "a pid")));
}

/**
 * Removes a registered name.
 *
 * @throws {HatcheryError} not-registered, bad-name
 */
export function unregister(name) {
  const n = hostString(name, "a name");
  hostCall(() => host.unregister(n));
}

/**
 * The process registered under `name`, or null when the name is free.
 *
 * @returns {Pid | null}
 * @throws {HatcheryError} bad-name
 */
export function whereis(name) {
  const n = hostString(name, "a name");
  const p = hostCall(() => host.whereis(n));
  return p === null ? null : new Pid(p);
}
