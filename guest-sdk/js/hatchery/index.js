// The Hatchery SDK for JavaScript guests: Erlang-style processes on WebAssembly, built as
// components of the hatchery:process world with componentize-qjs (QuickJS).
//
//   import { print, receive, selfPid, serve } from "./hatchery/index.js";
//
// A thin layer over the world's host interface (guest-sdk/ABI.md has the semantics):
// host error codes become HatcheryError exceptions, messages become Message objects,
// and the gen_server protocol ("Calls and casts") has call, cast and a server layer.
// Importing it also installs a `console` (QuickJS has none) and a Math.random that is
// seeded per process (see random.js).

import { console as sdkConsole } from "./print.js";
import { randomFloat } from "./random.js";

globalThis.console ??= sdkConsole;
Math.random = randomFloat;

export { encodeUtf8, decodeUtf8, toBytes, startsWith, bytesEqual, concatBytes } from "./bytes.js";
export { HatcheryError, ExitError, ERROR_CODES } from "./errors.js";
export { Pid } from "./pid.js";
export { ExitReason, KINDS } from "./reason.js";
export { Message, receive, recv, take, mailboxLen } from "./mailbox.js";
export {
  selfPid,
  parent,
  args,
  argsText,
  argsJson,
  makeRef,
  nowMs,
  node,
  spawn,
  spawnLink,
  spawnMonitor,
  spawnWith,
  spawnAt,
  nodes,
  pidNode,
  monitorNode,
  monitorNodes,
  send,
  sendJson,
  sendNamed,
  sendNamedJson,
  sendNamedAt,
  sendNamedAtJson,
  jsonBytes,
  link,
  unlink,
  trapExit,
  exit,
  exitSignal,
  kill,
  monitor,
  demonitor,
  moduleVersion,
  moduleRollback,
  hibernate,
} from "./process.js";
export { register, unregister, whereis } from "./registry.js";
export { sendAfter, sendAfterJson, cancelTimer, MAX_DELAY_MS } from "./timers.js";
export { startChild, terminateChild, whichChildren } from "./supervisor.js";
export { print, eprint, format, console } from "./print.js";
export { call, cast, reply, DEFAULT_CALL_TIMEOUT_MS } from "./call.js";
export { serve, stop, noReply } from "./server.js";
