// Messages: sending, and selective receive over the mailbox (ABI.md section 4).

import { bytesEqual, readI64, startsWith, toBytes, utf8, utf8Text } from "./bytes";
import { Json } from "./json";
import { ExitReason } from "./reason";
import * as sys from "./sys";
import { KIND_DOWN, KIND_EXIT, KIND_NODEDOWN, KIND_NODEUP, KIND_USER, Pid } from "./sys";

/** The receive buffer's starting size. */
const INITIAL_CAPACITY: i32 = 1024;
/** A buffer grown past this for one big message is not kept for the next receive. */
const KEEP_AT_MOST: i32 = 1 << 20;

/** The 16-byte block `recv` writes: u32 kind, u32 reserved, i64 sender. */
const info = memory.data(16, 8);
/**
 * Reused across receives so that looking at small messages allocates only their copy.
 * Allocated by the first receive: a behaviour may never need one.
 */
let recvBuf: Uint8Array | null = null;

/**
 * A message taken from (or shown by) the mailbox. `data` holds the bytes in ABI form: what
 * was sent for `USER`, the exit reason for `EXIT`, the monitor reference (i64 LE) then the
 * reason for `DOWN`, the node's name for `NODEUP` and `NODEDOWN` (whose sender is 0). The
 * message owns its bytes.
 */
export class Message {
  constructor(public kind: u32, public sender: Pid, public data: Uint8Array) {}

  get isUser(): bool { return this.kind == KIND_USER; }
  get isExit(): bool { return this.kind == KIND_EXIT; }
  get isDown(): bool { return this.kind == KIND_DOWN; }
  get isNodeUp(): bool { return this.kind == KIND_NODEUP; }
  get isNodeDown(): bool { return this.kind == KIND_NODEDOWN; }

  /** The node's name of a `NODEUP` or `NODEDOWN` message; "" for other kinds. */
  get node(): string {
    return this.isNodeUp || this.isNodeDown ? utf8Text(this.data) : "";
  }

  /** A user message's bytes as text (invalid UTF-8 becomes U+FFFD). */
  text(): string {
    return utf8Text(this.data);
  }

  /** A user message's bytes as JSON; null for other kinds or bytes that are not JSON. */
  json(): Json | null {
    return this.isUser ? Json.parse(this.data) : null;
  }

  /** Whether this is a user message whose bytes are exactly `text` as UTF-8. */
  is(text: string): bool {
    return this.isUser && bytesEqual(this.data, utf8(text));
  }

  /** Whether this is a user message whose bytes start with `prefix`. */
  startsWith(prefix: Uint8Array): bool {
    return this.isUser && startsWith(this.data, prefix);
  }

  /** The monitor reference of a `DOWN` message; 0 for other kinds. */
  get monitorRef(): i64 {
    return this.isDown ? readI64(this.data, 0) : 0;
  }

  /** The exit reason of an `EXIT` or `DOWN` message; `normal` for a user message. */
  reason(): ExitReason {
    if (this.isExit) return ExitReason.decode(this.data);
    if (this.isDown) return ExitReason.decode(this.data.subarray(8));
    return ExitReason.normal();
  }
}

/**
 * What a selective receive looks for: extend it and override `matches`, keeping in fields
 * whatever the test needs (AssemblyScript has no closures). A message it does not match
 * stays queued, in order.
 */
export class Pattern {
  /** Whether to take `m` out of the mailbox. The default matches every message. */
  matches(m: Message): bool {
    return true;
  }
}

/** A pattern made of a plain function (one that captures nothing). */
class FnPattern extends Pattern {
  test: (m: Message) => bool = anyMessage;

  matches(m: Message): bool {
    let test = this.test;
    return test(m);
  }
}

function anyMessage(m: Message): bool {
  return true;
}

/** Shared by every receive, so that a receive in a loop allocates no pattern. */
const ANY = new Pattern();
const BY_FUNCTION = new FnPattern();

/** Milliseconds left until `deadline`, never negative. */
function remaining(deadline: i64): i64 {
  let left = deadline - sys.now_ms();
  return left > 0 ? left : 0;
}

/**
 * The receive of ABI.md section 4: scans the mailbox from the oldest message, waiting for
 * more as needed, and takes the first one `pattern` matches. `timeout` is in milliseconds:
 * `NOW` (0) only looks at what is queued, `INFINITY` (any negative) waits forever. Returns
 * null when the time runs out (Erlang's `after`).
 */
export function receiveWith(pattern: Pattern, timeout: i64 = sys.INFINITY): Message | null {
  let deadline: i64 = 0;
  if (timeout > 0) {
    let now = sys.now_ms();
    deadline = now > I64.MAX_VALUE - timeout ? I64.MAX_VALUE : now + timeout;
  }
  for (let index = 0; ; index++) {
    let wait: i64 = timeout > 0 ? remaining(deadline) : timeout == 0 ? 0 : -1;
    let buf = recvBuf;
    if (buf == null) recvBuf = buf = new Uint8Array(INITIAL_CAPACITY);
    let size = sys.recv(index, wait, buf.dataStart, buf.length, info);
    // ERR_TIMEOUT is the `after` branch; any other error means the mailbox cannot be read
    // at this index, which ends the receive the same way.
    if (size < 0) return null;
    if (size > buf.length) {
      // The message is still at `index`: only this process removes messages.
      buf = new Uint8Array(size);
      if (sys.recv(index, 0, buf.dataStart, size, info) < 0) return null;
      if (size <= KEEP_AT_MOST) recvBuf = buf;
    }
    // The message gets its own bytes; a buffer too big to keep is already its own.
    let data = buf === recvBuf ? buf.slice(0, size) : buf;
    let kind = load<u32>(info);
    // Unknown kinds (from a newer host) and malformed DOWNs are skipped, never taken.
    if (kind > KIND_NODEDOWN || (kind == KIND_DOWN && size < 8)) continue;
    let m = new Message(kind, load<i64>(info, 8), data);
    if (pattern.matches(m)) {
      sys.take(index);
      return m;
    }
  }
  return null; // not reached
}

/** Takes the oldest message for which `test` is true (see `receiveWith`). */
export function receiveMatch(test: (m: Message) => bool, timeout: i64 = sys.INFINITY): Message | null {
  // Put back what was there: `test` itself may run a receive.
  let outer = BY_FUNCTION.test;
  BY_FUNCTION.test = test;
  let m = receiveWith(BY_FUNCTION, timeout);
  BY_FUNCTION.test = outer;
  return m;
}

/** Takes the oldest message of any kind, waiting at most `timeout` ms. */
export function receive(timeout: i64 = sys.INFINITY): Message | null {
  return receiveWith(ANY, timeout);
}

/**
 * Sends `msg` (bytes; a string as UTF-8; a `Json` or `JsonWriter` as its text) to `pid`.
 * As Erlang's `!`, a message to a dead process is dropped silently: 0 either way, or
 * `ERR_TOO_BIG` over the node's message size limit.
 */
export function send<T>(pid: Pid, msg: T): i32 {
  let bytes = toBytes(msg);
  return sys.send(pid, bytes.dataStart, bytes.length);
}

/** Sends `msg` to the process registered as `name`: 0, `ERR_NOT_REGISTERED`, `ERR_BAD_NAME`, `ERR_TOO_BIG`. */
export function sendNamed<T>(name: string, msg: T): i32 {
  let n = utf8(name);
  let bytes = toBytes(msg);
  return sys.send_named(n.dataStart, n.length, bytes.dataStart, bytes.length);
}

/**
 * Sends `msg` to the process registered as `name` on the node called `node` (Erlang's
 * `{Name, Node} ! Msg`). On this node's own name as `sendNamed`; on another node 0, also
 * when nobody there has the name or the node is not connected (the message is dropped
 * there). `ERR_BAD_NAME` (either name), `ERR_TOO_BIG`.
 */
export function sendNamedAt<T>(name: string, node: string, msg: T): i32 {
  let n = utf8(name);
  let at = utf8(node);
  let bytes = toBytes(msg);
  return sys.send_named_at(n.dataStart, n.length, at.dataStart, at.length, bytes.dataStart, bytes.length);
}

/** The number of messages queued in this process's mailbox. */
export function mailboxLen(): i32 {
  let n = sys.mailbox_len();
  return n > 0 ? n : 0;
}
