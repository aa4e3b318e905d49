// {{name}}: a Hatchery behaviour (a gen_server) in AssemblyScript.
//
// It registers itself as "{{name}}" and greets at init. Then:
//   cast {"greet": "Joe"}  prints a greeting and counts it
//   call "count"           the number of greetings so far
//   call "last"            the last name greeted (null before the first)
// Any other message is printed. Its state survives a hot swap: rebuild while it runs.

import {
  ExitReason, From, Json, JsonWriter, Message, Server, errorName, exit, pidToString, print,
  register, self, serve,
} from "./hatchery";

const NAME = "{{name}}";

class Hello extends Server {
  greeted: i64 = 0;
  last: string | null = null;

  /** Runs once, before the first message (not again after a hot swap). */
  init(): void {
    let r = register(NAME);
    if (r < 0) exit(ExitReason.custom(NAME + ": cannot register: " + errorName(r)));
    print(NAME + ": hello! I am " + pidToString(self()) + ", registered as " + NAME);
  }

  handleCall(request: Json, from: From): Json | null {
    if (request.isText("count")) return Json.int(this.greeted);
    if (request.isText("last")) {
      let last = this.last;
      return last != null ? Json.string(last) : Json.nil();
    }
    let w = new JsonWriter().beginObject().key("error").string("unknown request " + request.toString());
    return w.endObject().toJson();
  }

  handleCast(message: Json): void {
    let who = message.get("greet");
    let name = who != null ? who.asString() : null;
    if (name == null) {
      print(NAME + ": casts look like {\"greet\": \"Joe\"}, not " + message.toString());
      return;
    }
    this.greeted++;
    this.last = name;
    print(NAME + ": hello, " + name + "! (greeting #" + this.greeted.toString() + ")");
  }

  handleInfo(message: Message): void {
    print(NAME + ": got a message from " + pidToString(message.sender) + ": " + message.text());
  }

  /** The state for the next version, as JSON so that it can add fields. */
  saveState(): Uint8Array {
    let w = new JsonWriter().beginObject().key("greeted").int(this.greeted).key("last");
    let last = this.last;
    if (last != null) w.string(last);
    else w.nil();
    return w.endObject().toBytes();
  }

  /** Takes the state the running version saved; a missing field keeps its default. */
  codeChange(oldVersion: i32, state: Uint8Array): string | null {
    let v = Json.parse(state);
    if (v == null || !v.isObject()) return "not a state of " + NAME;
    let greeted = v.get("greeted");
    if (greeted != null) this.greeted = greeted.toI64();
    let last = v.get("last");
    if (last != null) this.last = last.asString();
    return null;
  }
}

// At the top level, so that every instance has a server: the first one (whose init then
// runs) and the fresh ones a hot swap starts (which get the state through codeChange).
serve(new Hello());

export {
  hatchery_main, hatchery_handle, hatchery_state_save, hatchery_code_change,
} from "./hatchery/server";
