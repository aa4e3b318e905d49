// Exit reasons (ABI.md §3): why a process ended, in EXIT and DOWN messages and in exit
// calls, with their byte encoding (one kind byte, then the detail).

import { decodeUtf8, encodeUtf8, toBytes, bytesEqual } from "./bytes.js";

/** The reason kinds in ABI order: the kind byte of `KINDS[i]` is i. */
export const KINDS = Object.freeze([
  "normal",
  "killed",
  "noproc",
  "noconnection",
  "shutdown",
  "trap",
  "limit",
  "custom",
  "undef",
]);

/** Kinds whose detail is text (the WIT variant carries a string). */
const TEXT_KINDS = new Set(["trap", "limit", "undef"]);

/**
 * Why a process ended. `kind` is one of KINDS; `detail` holds the detail bytes (the trap
 * message, `memory` or `mailbox` for a limit, any bytes for custom, what was missing for
 * undef; empty for the others).
 *
 * @example
 * exit(ExitReason.custom("bad config"));
 * if (msg.kind === "down" && !msg.reason.isNormal()) print(`${msg.from} died: ${msg.reason}`);
 */
export class ExitReason {
  /**
   * @param {string} kind one of KINDS
   * @param {Uint8Array} [detail]
   */
  constructor(kind, detail = new Uint8Array(0)) {
    if (!KINDS.includes(kind)) throw new TypeError(`unknown exit reason kind: ${kind}`);
    /** @type {string} */
    this.kind = kind;
    /** @type {Uint8Array} */
    this.detail = detail;
  }

  /** A custom reason: any bytes, or a string as UTF-8. */
  static custom(detail) {
    return new ExitReason("custom", toBytes(detail, "a custom reason"));
  }

  /** A trap reason with this text (to send as an exit signal; a process cannot exit with it). */
  static trap(text) {
    return new ExitReason("trap", encodeUtf8(text));
  }

  /** A limit reason (`memory` or `mailbox`). */
  static limit(text) {
    return new ExitReason("limit", encodeUtf8(text));
  }

  /** An undef reason. */
  static undef(text) {
    return new ExitReason("undef", encodeUtf8(text));
  }

  /**
   * The reason encoded as bytes: `[kind, ...detail]`.
   *
   * @returns {Uint8Array}
   */
  encode() {
    const out = new Uint8Array(1 + this.detail.length);
    out[0] = KINDS.indexOf(this.kind);
    out.set(this.detail, 1);
    return out;
  }

  /**
   * A reason from its encoding. Empty bytes are an empty custom reason, and an unknown kind
   * byte a custom reason holding all the bytes (as the Rust SDK reads them).
   *
   * @param {Uint8Array} bytes
   * @returns {ExitReason}
   */
  static decode(bytes) {
    if (bytes.length === 0) return ExitReason.custom(new Uint8Array(0));
    const kind = KINDS[bytes[0]];
    if (kind === undefined) return ExitReason.custom(bytes.slice());
    if (TEXT_KINDS.has(kind)) {
      // Through text, as the host holds it: invalid UTF-8 becomes U+FFFD.
      return new ExitReason(kind, encodeUtf8(decodeUtf8(bytes.subarray(1))));
    }
    return new ExitReason(kind, kind === "custom" ? bytes.slice(1) : new Uint8Array(0));
  }

  /** The reason as the bindings' `reason` variant. */
  toWit() {
    if (TEXT_KINDS.has(this.kind)) return { tag: this.kind, val: this.text };
    if (this.kind === "custom") return { tag: "custom", val: this.detail };
    return { tag: this.kind };
  }

  /** A reason from the bindings' `reason` variant. */
  static fromWit(v) {
    if (TEXT_KINDS.has(v.tag)) return new ExitReason(v.tag, encodeUtf8(v.val));
    if (v.tag === "custom") return new ExitReason("custom", toBytes(v.val));
    return new ExitReason(v.tag);
  }

  /** The detail as text (invalid UTF-8 as U+FFFD). */
  get text() {
    return decodeUtf8(this.detail);
  }

  /** Whether this is `normal`, the one reason links ignore. */
  isNormal() {
    return this.kind === "normal";
  }

  /** Whether `other` is the same reason. */
  equals(other) {
    return (
      other instanceof ExitReason &&
      other.kind === this.kind &&
      bytesEqual(other.detail, this.detail)
    );
  }

  /** As the host prints it: `normal`, `custom: bye`, `trap: ...`. */
  toString() {
    if (this.detail.length === 0 && this.kind !== "custom") return this.kind;
    const text = this.text;
    if (this.kind === "custom" && !bytesEqual(encodeUtf8(text), this.detail)) {
      // Not UTF-8: hex, as the host and the Rust SDK print it.
      const hex = Array.from(this.detail, (b) => b.toString(16).padStart(2, "0"));
      return `custom: 0x${hex.join("")}`;
    }
    return `${this.kind}: ${text}`;
  }
}

for (const kind of ["normal", "killed", "noproc", "noconnection", "shutdown"]) {
  /** The reason without a detail of that kind. */
  ExitReason[kind] = Object.freeze(new ExitReason(kind));
}
