// bench_js_pong: echoes every user message to its sender until one is exactly "stop".
// Round trips against it measure a JavaScript process's receive and send.
import { bytesEqual, encodeUtf8, receive, send } from "../../../guest-sdk/js/hatchery/index.js";

const STOP = encodeUtf8("stop");

export function run() {
  for (;;) {
    const m = receive((m) => m.kind === "user");
    if (bytesEqual(m.data, STOP)) return;
    send(m.from, m.data);
  }
}
