// `bench_as_pong`: sends every user message back to its sender, until one is exactly `stop`.

import {
  INFINITY, Message, bytesEqual, receiveMatch, send, utf8,
} from "../../../guest-sdk/assemblyscript/hatchery";

const STOP = utf8("stop");

function isUser(m: Message): bool {
  return m.isUser;
}

export function hatchery_main(): void {
  while (true) {
    let m = receiveMatch(isUser, INFINITY);
    if (m == null) continue;
    if (bytesEqual(m.data, STOP)) return;
    send(m.sender, m.data);
  }
}
