// A JSON writer: builds one value into bytes, with the commas and colons in their places.
//
//   let w = new JsonWriter();
//   w.beginObject().key("count").int(3).key("name").string("counter").endObject();
//   send(pid, w);   // {"count":3,"name":"counter"}

import { ByteWriter } from "./bytes";
import { Json, quote } from "./json";

export class JsonWriter {
  private out: ByteWriter = new ByteWriter();
  /** One flag per open container: whether it already holds a value. */
  private filled: bool[] = [];
  /** A key was just written: the value that follows needs no comma. */
  private afterKey: bool = false;

  /** Writes the comma that separates this value from the previous one, if any. */
  private separate(): void {
    if (this.afterKey) {
      this.afterKey = false;
      return;
    }
    let depth = this.filled.length;
    if (depth == 0) return;
    if (this.filled[depth - 1]) this.out.byte(0x2c);
    this.filled[depth - 1] = true;
  }

  beginObject(): JsonWriter {
    this.separate();
    this.out.byte(0x7b);
    this.filled.push(false);
    return this;
  }

  endObject(): JsonWriter {
    if (this.filled.length > 0) this.filled.pop();
    this.out.byte(0x7d);
    return this;
  }

  beginArray(): JsonWriter {
    this.separate();
    this.out.byte(0x5b);
    this.filled.push(false);
    return this;
  }

  endArray(): JsonWriter {
    if (this.filled.length > 0) this.filled.pop();
    this.out.byte(0x5d);
    return this;
  }

  /** The key of the next member of an object. */
  key(k: string): JsonWriter {
    this.separate();
    this.out.string(quote(k)).byte(0x3a);
    this.afterKey = true;
    return this;
  }

  string(s: string): JsonWriter {
    this.separate();
    this.out.string(quote(s));
    return this;
  }

  int(n: i64): JsonWriter {
    this.separate();
    this.out.string(n.toString());
    return this;
  }

  uint(n: u64): JsonWriter {
    this.separate();
    this.out.string(n.toString());
    return this;
  }

  /** A number; NaN and the infinities (not JSON) are written as null. */
  number(f: f64): JsonWriter {
    this.separate();
    this.out.string(isFinite(f) ? f.toString() : "null");
    return this;
  }

  boolean(v: bool): JsonWriter {
    this.separate();
    this.out.string(v ? "true" : "false");
    return this;
  }

  nil(): JsonWriter {
    this.separate();
    this.out.string("null");
    return this;
  }

  /** A value that is already JSON. */
  json(v: Json): JsonWriter {
    this.separate();
    this.out.bytes(v.toBytes());
    return this;
  }

  /** The bytes written so far. */
  toBytes(): Uint8Array {
    return this.out.toBytes();
  }

  /**
   * The value written, as a `Json`. Null if the calls did not make one whole value (an
   * unclosed object, two values side by side).
   */
  toJson(): Json | null {
    return Json.parse(this.out.toBytes());
  }
}
