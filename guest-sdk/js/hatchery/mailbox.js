// Messages and the mailbox (ABI.md §4): Erlang's selective receive over the host's
// indexed mailbox, and the raw recv/take it is built from.

import host from "hatchery:process/host@0.1.0";
import { decodeUtf8 } from "./bytes.js";
import { HatcheryError, hostCall } from "./errors.js";
import { Pid, waitMs } from "./pid.js";
import { ExitReason } from "./reason.js";

const EMPTY = new Uint8Array(0);
const NOT_PARSED = Symbol("not parsed");

/**
 * A message from the mailbox.
 *
 * - `kind`: `"user"` (bytes another process sent), `"exit"` (an exit signal from a linked
 *   process, for a process that traps exits), `"down"` (a monitor fired), `"nodeup"` or
 *   `"nodedown"` (a node connected or went away: monitorNode, monitorNodes).
 * - `from`: the sender; for `down`, the monitored process. A user message from outside the
 *   node (the CLI, the HTTP API) and a node message have pid 0.
 * - `data`: the bytes of a user message (empty for the others).
 * - `reason`: the ExitReason of an `exit` or `down` message (null for user messages).
 * - `monitor`: the monitor reference of a `down` message (null for the others).
 * - `node`: the node's name of a `nodeup` or `nodedown` message (null for the others).
 */
export class Message {
  /** The parsed JSON, once json() has run. */
  #json = NOT_PARSED;

  /**
   * @param {"user" | "exit" | "down" | "nodeup" | "nodedown"} kind
   * @param {Pid} from
   * @param {{data?: Uint8Array, reason?: ExitReason, monitor?: number, node?: string}} [fields]
   */
  constructor(kind, from, { data = EMPTY, reason = null, monitor = null, node = null } = {}) {
    this.kind = kind;
    this.from = from;
    this.data = data;
    this.reason = reason;
    this.monitor = monitor;
    this.node = node;
  }

  /** A message from the bindings' `message` variant; null for a kind this SDK does not know. */
  static fromWit(m) {
    switch (m.tag) {
      case "user":
        return new Message("user", new Pid(m.val.sender), { data: m.val.data });
      case "exit":
        return new Message("exit", new Pid(m.val.sender), {
          reason: ExitReason.fromWit(m.val.reason),
        });
      case "down":
        return new Message("down", new Pid(m.val.pid), {
          reason: ExitReason.fromWit(m.val.reason),
          monitor: m.val.monitor,
        });
      case "nodeup":
      case "nodedown":
        return new Message(m.tag, new Pid(0), { node: m.val });
      default:
        return null;
    }
  }

  /** The bytes of a user message as text (invalid UTF-8 as U+FFFD). */
  text() {
    return decodeUtf8(this.data);
  }

  /**
   * The JSON value of a user message, or `undefined` when it is not a user message or its
   * bytes are not JSON. Parsed once per message, so match functions may call it freely.
   */
  json() {
    if (this.#json === NOT_PARSED) {
      this.#json = undefined;
      if (this.kind === "user") {
        try {
          this.#json = JSON.parse(this.text());
        } catch {
          // Not JSON: undefined.
        }
      }
    }
    return this.#json;
  }

  toString() {
    if (this.kind === "user") return `user message from ${this.from}: ${this.text()}`;
    if (this.kind === "exit") return `EXIT from ${this.from}: ${this.reason}`;
    if (this.kind === "nodeup") return `NODEUP ${this.node}`;
    if (this.kind === "nodedown") return `NODEDOWN ${this.node}`;
    return `DOWN ${this.monitor} of ${this.from}: ${this.reason}`;
  }
}

/**
 * Looks at the message at mailbox position `index` (0 is the oldest), waiting up to
 * `timeout` ms for one to be there (null: forever, 0: not at all). The message stays
 * queued; remove it with `take`. Returns null on timeout. Most code wants `receive`.
 *
 * @param {number} index
 * @param {number | null} [timeout]
 * @returns {Message | null}
 * @throws {HatcheryError} bad-arg for an index that is not a u32
 */
export function recv(index, timeout = null) {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new HatcheryError("bad-arg", `a mailbox index is a u32, not ${index}`);
  }
  const wait = waitMs(timeout);
  try {
    return Message.fromWit(hostCall(() => host.recv(index, wait)));
  } catch (e) {
    if (e instanceof HatcheryError && e.code === "timeout") return null;
    throw e;
  }
}

/**
 * Removes the message at mailbox position `index`.
 *
 * @param {number} index
 * @throws {HatcheryError} no-message when there is none there
 */
export function take(index) {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new HatcheryError("no-message", `no message at index ${index}`);
  }
  hostCall(() => host.take(index));
}

/** The number of queued messages. */
export function mailboxLen() {
  return host.mailboxLen();
}

/**
 * Erlang's selective receive: waits for the oldest message for which `match` returns a
 * truthy value, removes it from the mailbox and returns it. Messages that do not match
 * stay queued, in order. Returns null when nothing matched within `timeout` ms (Erlang's
 * `after`): null or undefined wait forever, 0 looks only at what is already queued.
 *
 * `match` may see the same message in several receives, so it should have no side
 * effects it cannot repeat. Without `match`, any message matches.
 *
 * @example
 * // Wait up to 5 s for {"messenger": ...}; everything else stays queued.
 * const reply = receive((m) => m.json()?.messenger !== undefined, 5000);
 * if (reply === null) print("no response from server");
 *
 * @param {((m: Message) => unknown) | null} [match]
 * @param {number | null} [timeout] milliseconds
 * @returns {Message | null}
 */
export function receive(match = null, timeout = null) {
  if (match !== null && typeof match !== "function") {
    throw new TypeError("receive(match, timeout) takes the match function (or null) first");
  }
  const wait = waitMs(timeout);
  const deadline = wait === null || wait === 0 ? null : host.nowMs() + wait;
  // The loop of ABI.md §4: look at message i, waiting with the time left; take it on a
  // match, else go on with i + 1 (only this process removes messages, so the indexes
  // of those it skipped stay valid).
  for (let index = 0; index <= 0xffffffff; index++) {
    const left = deadline === null ? wait : Math.max(0, deadline - host.nowMs());
    let m;
    try {
      m = Message.fromWit(hostCall(() => host.recv(index, left)));
    } catch (e) {
      // Timeout is the `after` branch; another code means the mailbox cannot be read at
      // this index, which ends the receive the same way.
      if (e instanceof HatcheryError) return null;
      throw e;
    }
    if (m !== null && (match === null || match(m))) {
      hostCall(() => host.take(index));
      return m;
    }
  }
  return null;
}
