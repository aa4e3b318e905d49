// Errors of the host's calls (guest-sdk/ABI.md §2), as an Error subclass.

/** The error codes of ABI.md §2, in order: the name at index i has the ABI code -(i + 1). */
export const ERROR_CODES = Object.freeze([
  "timeout",
  "noproc",
  "not-registered",
  "name-taken",
  "already-registered",
  "limit",
  "too-big",
  "no-message",
  "bad-name",
  "not-found",
  "bad-arg",
  "no-version",
]);

const MESSAGES = {
  timeout: "no message came before the timeout",
  noproc: "no such process",
  "not-registered": "no process is registered under that name",
  "name-taken": "another process is registered under that name",
  "already-registered": "the process already has a registered name",
  limit: "a node limit stops the call",
  "too-big": "the message is larger than the node's maximum message size",
  "no-message": "there is no message at that mailbox index",
  "bad-name": "the name is empty or longer than 255 bytes",
  "not-found": "the monitor or timer reference is unknown",
  "bad-arg": "an argument is out of range",
  "no-version": "the module has no previous version",
};

/**
 * A host call failed. `code` is the error's name as the WIT world spells it
 * (`"not-registered"`), `abiCode` its number in ABI.md §2 (`-3`).
 *
 * @example
 * try { sendNamed("kv", "hi"); } catch (e) {
 *   if (e instanceof HatcheryError && e.code === "not-registered") print("no kv yet");
 *   else throw e;
 * }
 */
export class HatcheryError extends Error {
  /**
   * @param {string} code one of ERROR_CODES
   * @param {string} [message] what went wrong; the code's meaning by default
   */
  constructor(code, message) {
    super(message ?? `${code}: ${MESSAGES[code] ?? "unknown error"}`);
    this.name = "HatcheryError";
    /** @type {string} */
    this.code = code;
  }

  /** The ABI code (-1 … -12); -11 (bad-arg) for a name the ABI does not know. */
  get abiCode() {
    const i = ERROR_CODES.indexOf(this.code);
    return i < 0 ? -11 : -(i + 1);
  }
}

/**
 * A `call` ended because the server is dead or died before replying (Erlang's
 * `exit({Reason, {gen_server, call, ...}})`). Its code is `noproc`; `reason` says why the
 * server ended (`noproc` itself when it was already dead).
 */
export class ExitError extends HatcheryError {
  /** @param {import("./reason.js").ExitReason} reason */
  constructor(reason) {
    super("noproc", `the server exited: ${reason}`);
    this.name = "ExitError";
    /** @type {import("./reason.js").ExitReason} */
    this.reason = reason;
  }
}

/**
 * Runs a host call, turning the error-code it throws into a HatcheryError. The bindings
 * throw a plain Error whose `payload` is the code's name; anything else is rethrown.
 */
export function hostCall(f) {
  try {
    return f();
  } catch (e) {
    const code = e?.payload ?? e;
    if (typeof code === "string" && ERROR_CODES.includes(code)) {
      throw new HatcheryError(code);
    }
    throw e;
  }
}
