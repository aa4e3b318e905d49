// Module versions, rollback and hibernation (ABI.md section 5, Hot code swap).

import { utf8 } from "./bytes";
import * as sys from "./sys";

/** The current version of the module `name` (1, 2, ... in load order), or `ERR_NOT_FOUND` / `ERR_BAD_NAME`. */
export function moduleVersion(name: string): i32 {
  let n = utf8(name);
  return sys.module_version(n.dataStart, n.length);
}

/**
 * Makes the previous version of `name` current again (its processes move back at their
 * next message): the version now current, `ERR_NOT_FOUND` or `ERR_NO_VERSION`.
 */
export function moduleRollback(name: string): i32 {
  let n = utf8(name);
  return sys.module_rollback(n.dataStart, n.length);
}

/**
 * Asks the host to hibernate this behaviour when the current callback returns (Erlang's
 * `{noreply, State, hibernate}`): its state is saved, its instance dropped, and the next
 * message wakes a fresh instance through `codeChange`. Does nothing for a module without
 * both upgrade exports.
 */
export function hibernate(): void {
  sys.hibernate();
}
