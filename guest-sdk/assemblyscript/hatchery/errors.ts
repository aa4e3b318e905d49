// The ABI's error codes (ABI.md section 2) by name. Functions that can fail return the
// code itself: negative is an error, zero or positive is success.

import * as sys from "./sys";

export {
  ERR_TIMEOUT, ERR_NOPROC, ERR_NOT_REGISTERED, ERR_NAME_TAKEN, ERR_ALREADY_REGISTERED,
  ERR_LIMIT, ERR_TOO_BIG, ERR_NO_MESSAGE, ERR_BAD_NAME, ERR_NOT_FOUND, ERR_BAD_ARG,
  ERR_NO_VERSION,
} from "./sys";

/** Whether an ABI result is an error code. */
export function isError(code: i64): bool {
  return code < 0;
}

/**
 * A stable snake_case name for a code: `timeout`, `noproc`, `not_registered`, `name_taken`,
 * `already_registered`, `limit`, `too_big`, `no_message`, `bad_name`, `not_found`,
 * `bad_arg`, `no_version`; `ok` for success and `unknown` for a code from a newer host.
 */
export function errorName(code: i64): string {
  if (code >= 0) return "ok";
  if (code < -1000) return "unknown";
  switch (<i32>code) {
    case sys.ERR_TIMEOUT: return "timeout";
    case sys.ERR_NOPROC: return "noproc";
    case sys.ERR_NOT_REGISTERED: return "not_registered";
    case sys.ERR_NAME_TAKEN: return "name_taken";
    case sys.ERR_ALREADY_REGISTERED: return "already_registered";
    case sys.ERR_LIMIT: return "limit";
    case sys.ERR_TOO_BIG: return "too_big";
    case sys.ERR_NO_MESSAGE: return "no_message";
    case sys.ERR_BAD_NAME: return "bad_name";
    case sys.ERR_NOT_FOUND: return "not_found";
    case sys.ERR_BAD_ARG: return "bad_arg";
    case sys.ERR_NO_VERSION: return "no_version";
    default: return "unknown";
  }
}
