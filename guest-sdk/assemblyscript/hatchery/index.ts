// hatchery: write Erlang-style Hatchery processes in AssemblyScript.
//
// A thin layer over the `hatchery_v1` imports of guest-sdk/ABI.md. Import what you need
// from this file; the raw imports are in `sys.ts`. Build with
//
//   asc main.ts -o main.wasm --runtime incremental -O3 --debug --exportStart _initialize \
//       --use abort=hatchery/abort/hatcheryAbort
//
// (see README.md beside this folder for why each flag is there). Functions that can fail
// return the ABI's result: a negative number is an error code (errors.ts).

// The abort handler must be part of every program so `--use abort=...` can name it.
import "./abort";

export {
  Pid, KIND_USER, KIND_EXIT, KIND_DOWN, KIND_NODEUP, KIND_NODEDOWN, SPAWN_LINK, SPAWN_MONITOR,
  DEMONITOR_FLUSH, NOW, INFINITY, REASON_NORMAL, REASON_KILLED, REASON_NOPROC, REASON_NOCONNECTION,
  REASON_SHUTDOWN, REASON_TRAP, REASON_LIMIT, REASON_CUSTOM, REASON_UNDEF,
} from "./sys";
export {
  ERR_TIMEOUT, ERR_NOPROC, ERR_NOT_REGISTERED, ERR_NAME_TAKEN, ERR_ALREADY_REGISTERED,
  ERR_LIMIT, ERR_TOO_BIG, ERR_NO_MESSAGE, ERR_BAD_NAME, ERR_NOT_FOUND, ERR_BAD_ARG,
  ERR_NO_VERSION, errorName, isError,
} from "./errors";
export {
  EMPTY, ByteWriter, utf8, utf8Text, isUtf8, bytesEqual, startsWith, readI64, readU32, toBytes,
} from "./bytes";
export { ExitReason } from "./reason";
export {
  self, parent, args, argsText, argsJson, Spawned, spawn, spawnLink, spawnMonitor, spawnWith,
  link, unlink, trapExit, exit, exitSignal, kill, monitor, demonitor, makeRef, nowMs, node,
  spawnAt, nodes, pidNode, monitorNode, monitorNodes, pidToString,
} from "./process";
export {
  Message, Pattern, receive, receiveMatch, receiveWith, send, sendNamed, sendNamedAt,
  mailboxLen,
} from "./message";
export { register, unregister, whereis } from "./registry";
export { sendAfter, cancelTimer } from "./timer";
export { moduleVersion, moduleRollback, hibernate } from "./code";
export { Json, JsonKind, quote } from "./json";
export { JsonWriter } from "./json_writer";
export { Server, From, serve, reply } from "./server";
export { call, callNamed, cast, castNamed, CallResult, DEFAULT_CALL_TIMEOUT } from "./call";
export { startChild, terminateChild, whichChildren } from "./supervisor";
export { print, eprint, writeAll } from "./io";
