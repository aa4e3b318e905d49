// The counter server of the conformance protocol (PROTOCOL.md, "The counter server"),
// which both versions build from: conf_as_server.ts (v1) and conf_as_server_v2.ts (v2).
// It mirrors modules/conformance/rust/src/lib.rs.

import {
  From, Json, JsonWriter, Message, Server, utf8Text,
} from "../../../guest-sdk/assemblyscript/hatchery";

export class Counter extends Server {
  count: i64 = 0;
  infos: i64 = 0;

  /** `version` is what this build calls itself (the reply to "version"). */
  constructor(private version: i32) {
    super();
  }

  handleCall(request: Json, from: From): Json | null {
    // As the Rust server, whose requests are strings: anything else is a crash.
    if (!request.isString()) throw new Error("handle_call: no clause matches " + request.toString());
    if (request.isText("get")) return Json.int(this.count);
    if (request.isText("infos")) return Json.int(this.infos);
    if (request.isText("version")) return Json.int(this.version);
    let w = new JsonWriter().beginObject().key("unknown").json(request).endObject();
    return w.toJson();
  }

  handleCast(message: Json): void {
    if (!message.isInteger()) throw new Error("handle_cast: no clause matches " + message.toString());
    this.count += message.toI64();
  }

  handleInfo(message: Message): void {
    this.infos += 1;
  }

  /** v1 saves `[count, infos]`; v2 saves `{"count": .., "infos": ..}`. */
  saveState(): Uint8Array {
    let w = new JsonWriter();
    if (this.version == 1) {
      w.beginArray().int(this.count).int(this.infos).endArray();
    } else {
      w.beginObject().key("count").int(this.count).key("infos").int(this.infos).endObject();
    }
    return w.toBytes();
  }

  /** Takes either version's state. */
  codeChange(oldVersion: i32, state: Uint8Array): string | null {
    let v = Json.parse(state);
    let count: Json | null = null;
    let infos: Json | null = null;
    if (v != null && v.isArray() && v.length == 2) {
      count = v.at(0);
      infos = v.at(1);
    } else if (v != null && v.isObject()) {
      count = v.get("count");
      infos = v.get("infos");
    }
    if (count == null || infos == null || !count.isInteger() || !infos.isInteger()) {
      return "not a counter state from v" + oldVersion.toString() + ": " + utf8Text(state);
    }
    this.count = count.toI64();
    this.infos = infos.toI64();
    return null;
  }
}
