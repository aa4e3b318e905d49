// `poly_counter`: the polyglot app's counter (apps/polyglot/README.md), a behaviour that
// keeps its count across a hot swap. poly_counter.ts and poly_counter_v2.ts build it as
// version 1 and 2; the second build exists so a test can swap one for the other.
//
// Args (JSON, optional): `{"name": "counter"}`, the name it registers under.
// Cast a number N: count += N. Call "get": the count. Call "version": the build's version.

import {
  ExitReason, From, Json, JsonWriter, Server, argsJson, eprint, errorName, exit, print,
  register, utf8Text,
} from "../../../guest-sdk/assemblyscript/hatchery";

export class Counter extends Server {
  count: i64 = 0;

  constructor(private version: i32) {
    super();
  }

  init(): void {
    let name = "counter";
    let args = argsJson();
    let given = args != null ? args.get("name") : null;
    if (given != null && given.isString()) name = given.asString()!;
    let r = register(name);
    if (r < 0) {
      exit(ExitReason.custom("poly_counter: cannot register as " + name + ": " + errorName(r)));
    }
    print("poly_counter v" + this.version.toString() + ": registered as " + name);
  }

  handleCall(request: Json, from: From): Json | null {
    if (request.isText("get")) return Json.int(this.count);
    if (request.isText("version")) return Json.int(this.version);
    let w = new JsonWriter().beginObject().key("error").string("unknown request " + request.toString());
    return w.endObject().toJson();
  }

  handleCast(message: Json): void {
    // A typo in `hatchery send` should not cost the count: say so and go on.
    if (!message.isInteger()) {
      eprint("poly_counter: ignoring a cast that is not an integer: " + message.toString());
      return;
    }
    this.count += message.toI64();
  }

  /** The same shape in both versions: `{"count": N, "version": V}`. */
  saveState(): Uint8Array {
    let w = new JsonWriter().beginObject().key("count").int(this.count);
    return w.key("version").int(this.version).endObject().toBytes();
  }

  codeChange(oldVersion: i32, state: Uint8Array): string | null {
    let v = Json.parse(state);
    let count = v != null ? v.get("count") : null;
    if (count == null || !count.isInteger()) {
      return "poly_counter: not a counter state from v" + oldVersion.toString() + ": " + utf8Text(state);
    }
    this.count = count.toI64();
    return null;
  }
}
