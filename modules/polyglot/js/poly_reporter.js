// poly_reporter: the JavaScript member of apps/polyglot (apps/polyglot/README.md). Every
// every_ms it calls the counter and the key-value store and prints one line:
//
//   reporter: counter=<c> ticks=<t>
//
// Args (JSON, every field optional): {"counter": "counter", "kv": "kv", "every_ms": 5000}

import {
  ExitReason,
  argsJson,
  call,
  eprint,
  exit,
  nowMs,
  print,
  receive,
} from "../../../guest-sdk/js/hatchery/index.js";

/** How long each call may take before its value shows as `-`. */
const CALL_TIMEOUT_MS = 1000;

export function run() {
  const { counter, kv, every } = options();
  let next = nowMs() + every;
  for (;;) {
    // The wait is the time left until the next report, so that a slow call does not push
    // the cadence back. Whatever arrives meanwhile (a reply that came after its call
    // timed out) is dropped rather than left to pile up in the mailbox.
    while (receive(null, next - nowMs()) !== null) {
      // Dropped.
    }
    const c = ask(counter, "get");
    const t = ask(kv, { get: "ticks" });
    print(`reporter: counter=${c} ticks=${t}`);
    next += every;
    if (next < nowMs()) next = nowMs() + every;
  }
}

/** The arguments with their defaults; bad ones end the process with `custom: badarg`. */
function options() {
  let a;
  try {
    a = argsJson({});
  } catch (e) {
    eprint(`poly_reporter: the arguments are not JSON: ${e.message}`);
    exit(ExitReason.custom("badarg"));
  }
  const isObject = typeof a === "object" && a !== null && !Array.isArray(a);
  const { counter = "counter", kv = "kv", every_ms: every = 5000 } = isObject ? a : {};
  if (!isObject || typeof counter !== "string" || typeof kv !== "string" || !(every >= 0)) {
    eprint(`poly_reporter: bad arguments: ${JSON.stringify(a)}`);
    exit(ExitReason.custom("badarg"));
  }
  return { counter, kv, every };
}

/**
 * The reply of the server registered as `name`, as the report shows it: a string bare,
 * anything else as JSON; `-` when the name is free, the call times out or the server dies.
 */
function ask(name, request) {
  try {
    const value = call(name, request, CALL_TIMEOUT_MS);
    return typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    return "-";
  }
}
