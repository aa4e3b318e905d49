// Supervisors (ABI.md §5): they run in the host; a process that knows one's pid can
// change its children.

import host from "hatchery:process/host@0.1.0";
import { hostString } from "./bytes.js";
import { hostCall } from "./errors.js";
import { Pid, rawId } from "./pid.js";

/**
 * Adds a child to a supervisor (last in start order) and starts it. The spec is
 * `{id, module, args?, restart?, shutdown?}` (ABI.md §5, Supervisors; `args` is any JSON,
 * handed to the child as its argument bytes), as an object or JSON text.
 *
 * @example
 * startChild(sup, { id: "w1", module: "worker", args: { n: 1 }, restart: "transient" });
 *
 * @param {Pid | number} sup
 * @param {object | string} spec
 * @returns {Pid | null} the child, or null when it ended at once and is not restarted
 * @throws {HatcheryError} noproc (not a live supervisor), name-taken (the id exists),
 *   bad-arg (not a valid spec), limit (it could not be started)
 */
export function startChild(sup, spec) {
  const json = hostString(typeof spec === "string" ? spec : JSON.stringify(spec), "a child spec");
  const p = hostCall(() => host.supStartChild(rawId(sup, "a supervisor"), json));
  return p === null ? null : new Pid(p);
}

/**
 * Stops a supervisor's child by its shutdown protocol and removes it; returns when it has
 * ended.
 *
 * @throws {HatcheryError} noproc, not-found (no child with that id)
 */
export function terminateChild(sup, id) {
  const i = hostString(id, "a child id");
  hostCall(() => host.supTerminateChild(rawId(sup, "a supervisor"), i));
}

/**
 * A supervisor's children, in start order.
 *
 * @returns {{id: string, pid: Pid | null, supervisor: boolean}[]}
 * @throws {HatcheryError} noproc
 */
export function whichChildren(sup) {
  const json = hostCall(() => host.supWhichChildren(rawId(sup, "a supervisor")));
  return JSON.parse(json).map((c) => ({ ...c, pid: c.pid === null ? null : new Pid(c.pid) }));
}
