// Registered names: one name per process, unique on the node, freed when it ends.

import { utf8 } from "./bytes";
import * as sys from "./sys";
import { Pid } from "./sys";

/**
 * Registers `pid` (by default the caller) under `name`: 0, `ERR_NAME_TAKEN`,
 * `ERR_ALREADY_REGISTERED`, `ERR_NOPROC` or `ERR_BAD_NAME` (empty, over 255 bytes).
 */
export function register(name: string, pid: Pid = sys.self()): i32 {
  let n = utf8(name);
  return sys.register(n.dataStart, n.length, pid);
}

/** Removes a name: 0 or `ERR_NOT_REGISTERED`. */
export function unregister(name: string): i32 {
  let n = utf8(name);
  return sys.unregister(n.dataStart, n.length);
}

/** The pid registered as `name`, or 0 when the name is free (or not a valid name). */
export function whereis(name: string): Pid {
  let n = utf8(name);
  let pid = sys.whereis(n.dataStart, n.length);
  return pid > 0 ? pid : 0;
}
