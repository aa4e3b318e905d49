// Changing a running supervisor's children (ABI.md section 5, Supervisors). Supervisors
// run in the host; a guest that knows one's pid can add, stop and list its children.

import { utf8 } from "./bytes";
import { Json } from "./json";
import * as sys from "./sys";
import { Pid } from "./sys";

/**
 * Adds a child (last in start order) and starts it. `spec` is
 * `{"id": "w1", "module": "kv", "args": <any JSON>, "restart": "permanent" | "transient" |
 * "temporary", "shutdown": <ms> | "brutal_kill" | "infinity"}` (only `id` and `module`
 * required). Returns its pid, 0 when it ended at once and is not restarted, or
 * `ERR_NOPROC`, `ERR_NAME_TAKEN`, `ERR_BAD_ARG`, `ERR_LIMIT`. Waits while the supervisor works.
 */
export function startChild(supervisor: Pid, spec: Json): i64 {
  let bytes = spec.toBytes();
  return sys.sup_start_child(supervisor, bytes.dataStart, bytes.length);
}

/** Stops a child by its shutdown protocol and removes it: 0, `ERR_NOPROC`, `ERR_NOT_FOUND`. */
export function terminateChild(supervisor: Pid, id: string): i32 {
  let bytes = utf8(id);
  return sys.sup_terminate_child(supervisor, bytes.dataStart, bytes.length);
}

/**
 * The children, `[{"id": .., "pid": <pid or null>, "supervisor": <bool>}, ...]` in start
 * order; null when `supervisor` is not a live supervisor.
 */
export function whichChildren(supervisor: Pid): Json | null {
  let buf = new Uint8Array(4096);
  while (true) {
    let n = sys.sup_which_children(supervisor, buf.dataStart, buf.length);
    if (n < 0) return null;
    if (n <= buf.length) return Json.parse(buf.slice(0, n));
    buf = new Uint8Array(n);
  }
  return null; // not reached
}

