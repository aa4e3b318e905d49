// Printing. QuickJS as componentize-qjs builds it has no `console`: print goes through
// the host's `write`, into the process's captured standard output or error (the lines
// `<0.7> name | text` of `hatchery run`, the same lines WASI's stdout gives).

import host from "hatchery:process/host@0.1.0";
import { encodeUtf8 } from "./bytes.js";

/** Writes text to "stdout" or "stderr" (the WIT enum `output`). */
function write(to, text) {
  host.write(to, encodeUtf8(text));
}

/**
 * A value as print shows it: strings as they are, errors with their stack, plain objects
 * and arrays as JSON, everything else through String (Pid, ExitReason, Message, numbers).
 */
export function format(value) {
  if (typeof value === "string") return value;
  if (value instanceof Error) {
    return value.stack ? `${value}\n${value.stack.trimEnd()}` : String(value);
  }
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null || Array.isArray(value)) {
      try {
        return JSON.stringify(value);
      } catch {
        // A cycle or a BigInt inside: String below.
      }
    }
  }
  return String(value);
}

/**
 * Prints the values, separated by spaces, and a newline on standard output. Not from the
 * module's top level, which runs at build time (there is no node to print to).
 *
 * @example
 * print("counter:", count, { last: name });   // counter: 3 {"last":"Ada"}
 *
 * @param {...unknown} values
 */
export function print(...values) {
  write("stdout", values.map(format).join(" ") + "\n");
}

/** Like print, on standard error. */
export function eprint(...values) {
  write("stderr", values.map(format).join(" ") + "\n");
}

/**
 * A minimal `console` for code written against one: log, info and debug print to
 * standard output, warn and error to standard error. index.js installs it as
 * `globalThis.console` when there is none.
 */
export const console = Object.freeze({
  log: print,
  info: print,
  debug: print,
  warn: eprint,
  error: eprint,
});
