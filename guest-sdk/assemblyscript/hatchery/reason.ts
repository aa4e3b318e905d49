// Exit reasons and their byte encoding (ABI.md section 3): one kind byte, then a detail.

import { EMPTY, isUtf8, utf8, utf8Text } from "./bytes";
import {
  REASON_CUSTOM, REASON_KILLED, REASON_LIMIT, REASON_NOCONNECTION, REASON_NOPROC,
  REASON_NORMAL, REASON_SHUTDOWN, REASON_TRAP, REASON_UNDEF,
} from "./sys";

const HEX = "0123456789abcdef";

/**
 * Why a process ended: carried by `EXIT` and `DOWN` messages and passed to `exit` and
 * `exitSignal`. The detail is used only by kinds 5 to 8 (`trap`, `limit`, `custom`,
 * `undef`); it is empty for the others.
 */
export class ExitReason {
  constructor(public kind: u8, public detail: Uint8Array = EMPTY) {}

  static normal(): ExitReason { return new ExitReason(REASON_NORMAL); }
  static killed(): ExitReason { return new ExitReason(REASON_KILLED); }
  static noproc(): ExitReason { return new ExitReason(REASON_NOPROC); }
  static shutdown(): ExitReason { return new ExitReason(REASON_SHUTDOWN); }

  /** A `custom` reason with text as its detail. */
  static custom(text: string): ExitReason {
    return new ExitReason(REASON_CUSTOM, utf8(text));
  }

  /** A `custom` reason with any bytes as its detail. */
  static customBytes(detail: Uint8Array): ExitReason {
    return new ExitReason(REASON_CUSTOM, detail);
  }

  /**
   * Reads the wire form. The detail of kinds 0 to 4 is ignored; bytes that are not a valid
   * reason (empty, or an unknown kind from a newer host) become `custom` holding all of
   * them, so nothing is lost.
   */
  static decode(bytes: Uint8Array): ExitReason {
    if (bytes.length == 0) return new ExitReason(REASON_CUSTOM);
    let kind = bytes[0];
    if (kind <= REASON_SHUTDOWN) return new ExitReason(kind);
    if (kind <= REASON_UNDEF) return new ExitReason(kind, bytes.slice(1));
    return new ExitReason(REASON_CUSTOM, bytes.slice(0));
  }

  /** The wire form: the kind byte, then the detail. */
  encode(): Uint8Array {
    let detail = this.kind > REASON_SHUTDOWN ? this.detail : EMPTY;
    let out = new Uint8Array(1 + detail.length);
    out[0] = this.kind;
    out.set(detail, 1);
    return out;
  }

  isNormal(): bool {
    return this.kind == REASON_NORMAL;
  }

  /** Whether both have the same kind and detail. */
  equals(other: ExitReason): bool {
    let a = this.encode();
    let b = other.encode();
    return a.length == b.length && memory.compare(a.dataStart, b.dataStart, <usize>a.length) == 0;
  }

  /** The detail as text (invalid UTF-8 becomes U+FFFD). */
  detailText(): string {
    return utf8Text(this.detail);
  }

  /**
   * `normal`, `killed`, `noproc`, `noconnection`, `shutdown`, `trap: <message>`,
   * `limit: <what>`, `custom: <detail>` (the detail as text when it is UTF-8, else `0x` and
   * lowercase hex), `undef: <what>`: the same text as the Rust SDK and the host show.
   */
  toString(): string {
    switch (this.kind) {
      case REASON_NORMAL: return "normal";
      case REASON_KILLED: return "killed";
      case REASON_NOPROC: return "noproc";
      case REASON_NOCONNECTION: return "noconnection";
      case REASON_SHUTDOWN: return "shutdown";
      case REASON_TRAP: return "trap: " + this.detailText();
      case REASON_LIMIT: return "limit: " + this.detailText();
      case REASON_UNDEF: return "undef: " + this.detailText();
      default: break;
    }
    if (isUtf8(this.detail)) return "custom: " + this.detailText();
    let hex = new Array<string>(this.detail.length);
    for (let i = 0; i < this.detail.length; i++) {
      let b = <i32>this.detail[i];
      hex[i] = HEX.charAt(b >> 4) + HEX.charAt(b & 15);
    }
    return "custom: 0x" + hex.join("");
  }

  /**
   * The reason `exit` can pass: the ABI lets a process end itself only with `normal`,
   * `shutdown` or `custom`; any other reason becomes `custom` with its text (`killed`
   * becomes `custom: killed`).
   */
  forSelfExit(): ExitReason {
    if (this.kind == REASON_NORMAL || this.kind == REASON_SHUTDOWN || this.kind == REASON_CUSTOM) {
      return this;
    }
    return ExitReason.custom(this.toString());
  }
}
