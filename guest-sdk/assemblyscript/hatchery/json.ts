// A small JSON reader: enough for the gen_server envelopes, spawn arguments and states.
//
// `Json.parse` checks the whole text once (RFC 8259 grammar, UTF-8, nesting at most
// MAX_DEPTH deep) and gives a `Json`: a view of one value inside the bytes. Looking up a
// key or an element scans the bytes again instead of building a tree, so reading two
// fields of a message allocates almost nothing. Bad input gives `null`, never a crash.

import { isUtf8, utf8, utf8Text } from "./bytes";

/** As serde_json: deeper nesting is refused rather than risking the stack. */
const MAX_DEPTH: i32 = 128;

const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;

/** Where `Json.integer` leaves its result (saves a field on every value). */
let parsedInteger: i64 = 0;

/** What kind of value a `Json` is. */
export enum JsonKind { Null, Bool, Number, String, Array, Object }

@inline function isSpace(c: u8): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

@inline function isDigit(c: u8): bool {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: u8): i32 {
  if (isDigit(c)) return <i32>c - 0x30;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return <i32>c - 0x41 + 10;
  return -1;
}

/** The bytes being read, with the scanning steps; every step returns an index or -1. */
class Scanner {
  constructor(public b: Uint8Array, public end: i32) {}

  /** The byte at `i`, or 0 outside the text (0 matches nothing in the grammar). */
  @inline at(i: i32): u8 {
    return i >= 0 && i < this.end ? this.b[i] : 0;
  }

  space(i: i32): i32 {
    if (i < 0) return -1;
    while (i < this.end && isSpace(this.b[i])) i++;
    return i;
  }

  literal(i: i32, word: string): i32 {
    for (let k = 0; k < word.length; k++) {
      if (<i32>this.at(i + k) != word.charCodeAt(k)) return -1;
    }
    return i + word.length;
  }

  digits(i: i32): i32 {
    if (!isDigit(this.at(i))) return -1;
    while (isDigit(this.at(i))) i++;
    return i;
  }

  /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
  number(i: i32): i32 {
    if (this.at(i) == 0x2d) i++;
    if (this.at(i) == 0x30) i++;
    else if ((i = this.digits(i)) < 0) return -1;
    if (this.at(i) == 0x2e && (i = this.digits(i + 1)) < 0) return -1;
    let c = this.at(i);
    if (c == 0x65 || c == 0x45) {
      i++;
      c = this.at(i);
      if (c == 0x2b || c == 0x2d) i++;
      if ((i = this.digits(i)) < 0) return -1;
    }
    return i;
  }

  /** A string starting at its opening quote; returns the index after the closing one. */
  string(i: i32): i32 {
    if (this.at(i) != QUOTE) return -1;
    i++;
    while (i < this.end) {
      let c = this.b[i];
      if (c == QUOTE) return i + 1;
      if (c < 0x20) return -1;
      if (c == BACKSLASH) {
        let e = this.at(i + 1);
        if (e == 0x75) {
          for (let k = 2; k < 6; k++) if (hexValue(this.at(i + k)) < 0) return -1;
          i += 6;
          continue;
        }
        // \" \\ \/ \b \f \n \r \t
        if (e != QUOTE && e != BACKSLASH && e != 0x2f && e != 0x62 && e != 0x66
          && e != 0x6e && e != 0x72 && e != 0x74) return -1;
        i += 2;
        continue;
      }
      i++;
    }
    return -1;
  }

  /** Any value starting at `i` (no leading white space); returns the index after it. */
  value(i: i32, depth: i32): i32 {
    let c = this.at(i);
    if (c == QUOTE) return this.string(i);
    if (c == 0x7b || c == 0x5b) return this.container(i, depth);
    if (c == 0x74) return this.literal(i, "true");
    if (c == 0x66) return this.literal(i, "false");
    if (c == 0x6e) return this.literal(i, "null");
    return this.number(i);
  }

  /** An object or an array. */
  container(i: i32, depth: i32): i32 {
    if (depth >= MAX_DEPTH) return -1;
    let object = this.at(i) == 0x7b;
    let close: u8 = object ? 0x7d : 0x5d;
    i = this.space(i + 1);
    if (this.at(i) == close) return i + 1;
    while (true) {
      if (object) {
        if ((i = this.string(i)) < 0) return -1;
        i = this.space(i);
        if (this.at(i) != 0x3a) return -1;
        i = this.space(i + 1);
      }
      if ((i = this.value(i, depth + 1)) < 0) return -1;
      i = this.space(i);
      let c = this.at(i);
      if (c == close) return i + 1;
      if (c != 0x2c) return -1;
      i = this.space(i + 1);
    }
    return -1; // not reached
  }
}

/** The text of the JSON string at [start, end) (quotes included), escapes resolved. */
function decodeString(b: Uint8Array, start: i32, end: i32): string {
  let parts = new Array<string>();
  let run = start + 1;
  let i = run;
  let last = end - 1;
  while (i < last) {
    if (b[i] != BACKSLASH) { i++; continue; }
    if (i > run) parts.push(utf8Text(b.subarray(run, i)));
    let e = b[i + 1];
    if (e == 0x75) {
      let unit = 0;
      for (let k = 2; k < 6; k++) unit = (unit << 4) | hexValue(b[i + k]);
      parts.push(String.fromCharCode(unit));
      i += 6;
    } else {
      let c: i32 = e;
      if (e == 0x62) c = 8;
      else if (e == 0x66) c = 12;
      else if (e == 0x6e) c = 10;
      else if (e == 0x72) c = 13;
      else if (e == 0x74) c = 9;
      parts.push(String.fromCharCode(c));
      i += 2;
    }
    run = i;
  }
  if (last > run) parts.push(utf8Text(b.subarray(run, last)));
  return parts.join("");
}

/**
 * One JSON value, a view of valid JSON bytes. Build one with `Json.parse`, one of the
 * constructors (`Json.int`, `Json.string`, ...) or a `JsonWriter`.
 */
export class Json {
  private constructor(private src: Uint8Array, private start: i32, private end: i32) {}

  /** The value `text` holds (white space around it is fine), or null if it is not JSON. */
  static parse(text: Uint8Array): Json | null {
    if (!isUtf8(text)) return null;
    let s = new Scanner(text, text.length);
    let start = s.space(0);
    let end = s.value(start, 0);
    if (end < 0 || s.space(end) != text.length) return null;
    return new Json(text, start, end);
  }

  /** `Json.parse` of a string. */
  static parseText(text: string): Json | null {
    return Json.parse(utf8(text));
  }

  /** Trusted bytes, already known to be one JSON value. */
  private static of(text: string): Json {
    let b = utf8(text);
    return new Json(b, 0, b.length);
  }

  static int(n: i64): Json { return Json.of(n.toString()); }
  static boolean(v: bool): Json { return Json.of(v ? "true" : "false"); }
  static nil(): Json { return Json.of("null"); }
  /** A number; NaN and the infinities (not JSON) become null. */
  static number(f: f64): Json { return isFinite(f) ? Json.of(f.toString()) : Json.nil(); }
  static string(s: string): Json { return Json.of(quote(s)); }

  get kind(): JsonKind {
    let c = this.src[this.start];
    if (c == QUOTE) return JsonKind.String;
    if (c == 0x7b) return JsonKind.Object;
    if (c == 0x5b) return JsonKind.Array;
    if (c == 0x6e) return JsonKind.Null;
    if (c == 0x74 || c == 0x66) return JsonKind.Bool;
    return JsonKind.Number;
  }

  isNull(): bool { return this.kind == JsonKind.Null; }
  isString(): bool { return this.kind == JsonKind.String; }
  isObject(): bool { return this.kind == JsonKind.Object; }
  isArray(): bool { return this.kind == JsonKind.Array; }
  isNumber(): bool { return this.kind == JsonKind.Number; }

  /** `true` for JSON true; false for anything else. */
  isTrue(): bool { return this.src[this.start] == 0x74; }

  /**
   * The member `key` of an object; null if absent. A repeated key gives its last value,
   * as serde_json and JavaScript's JSON.parse do.
   */
  get(key: string): Json | null {
    if (!this.isObject()) return null;
    let want = utf8(key);
    let found: Json | null = null;
    let s = new Scanner(this.src, this.end);
    let i = s.space(this.start + 1);
    while (i >= 0 && i < this.end - 1) {
      let keyEnd = s.string(i);
      if (keyEnd < 0) break;
      let v = s.space(s.space(keyEnd) + 1); // past the colon
      let vEnd = s.value(v, 0);
      if (vEnd < 0) break;
      if (this.keyIs(i, keyEnd, want, key)) found = new Json(this.src, v, vEnd);
      i = s.space(s.space(vEnd) + 1); // past the comma (or the closing brace)
    }
    return found;
  }

  /** Whether an object has the member `key`. */
  has(key: string): bool {
    return this.get(key) != null;
  }

  /** Element `index` of an array; null when out of range or not an array. */
  at(index: i32): Json | null {
    if (!this.isArray() || index < 0) return null;
    let s = new Scanner(this.src, this.end);
    let i = s.space(this.start + 1);
    if (s.at(i) == 0x5d) return null;
    for (let n = 0; i >= 0 && i < this.end; n++) {
      let vEnd = s.value(i, 0);
      if (vEnd < 0) return null;
      if (n == index) return new Json(this.src, i, vEnd);
      i = s.space(s.space(vEnd) + 1);
    }
    return null;
  }

  /** The number of elements of an array or members of an object; 0 otherwise. */
  get length(): i32 {
    let kind = this.kind;
    if (kind != JsonKind.Array && kind != JsonKind.Object) return 0;
    let s = new Scanner(this.src, this.end);
    let i = s.space(this.start + 1);
    if (i >= this.end - 1) return 0;
    let n = 0;
    while (i >= 0 && i < this.end - 1) {
      if (kind == JsonKind.Object) i = s.space(s.space(s.string(i)) + 1);
      i = s.value(i, 0);
      if (i < 0) break;
      n++;
      i = s.space(s.space(i) + 1);
    }
    return n;
  }

  /** The keys of an object, in order. */
  keys(): string[] {
    let out = new Array<string>();
    if (!this.isObject()) return out;
    let s = new Scanner(this.src, this.end);
    let i = s.space(this.start + 1);
    while (i >= 0 && i < this.end - 1) {
      let keyEnd = s.string(i);
      if (keyEnd < 0) break;
      out.push(decodeString(this.src, i, keyEnd));
      i = s.value(s.space(s.space(keyEnd) + 1), 0);
      if (i < 0) break;
      i = s.space(s.space(i) + 1);
    }
    return out;
  }

  private keyIs(start: i32, end: i32, want: Uint8Array, key: string): bool {
    // Most keys have no escapes: compare the raw bytes between the quotes.
    let raw = this.src.subarray(start + 1, end - 1);
    if (raw.indexOf(BACKSLASH) < 0) {
      return raw.length == want.length
        && memory.compare(raw.dataStart, want.dataStart, <usize>want.length) == 0;
    }
    return decodeString(this.src, start, end) == key;
  }

  /** Whether this is an integer literal (no fraction or exponent) in the i64 range. */
  isInteger(): bool {
    return this.integer(true);
  }

  /** The integer, or `otherwise` when this is not an integer in the i64 range. */
  toI64(otherwise: i64 = 0): i64 {
    return this.integer(true) ? parsedInteger : otherwise;
  }

  /** The integer if it is a non-negative one in the u64 range, else `otherwise`. */
  toU64(otherwise: u64 = 0): u64 {
    return this.integer(false) ? <u64>parsedInteger : otherwise;
  }

  /** Parses an integer literal into `parsedInteger`; false when it is not one or out of range. */
  private integer(signed: bool): bool {
    let i = this.start;
    let neg = this.src[i] == 0x2d;
    if (neg) {
      if (!signed) return false;
      i++;
    }
    if (i >= this.end) return false;
    let v: u64 = 0;
    for (; i < this.end; i++) {
      let c = this.src[i];
      if (!isDigit(c)) return false;
      let d = <u64>(c - 0x30);
      if (v > (U64.MAX_VALUE - d) / 10) return false;
      v = v * 10 + d;
    }
    if (signed) {
      if (neg ? v > (<u64>I64.MAX_VALUE) + 1 : v > <u64>I64.MAX_VALUE) return false;
      parsedInteger = neg ? -(<i64>v) : <i64>v;
    } else {
      parsedInteger = <i64>v;
    }
    return true;
  }

  /** The number as f64 (NaN when this is not a number). */
  toF64(): f64 {
    return this.isNumber() ? parseFloat(this.toString()) : NaN;
  }

  /** The text of a JSON string, escapes resolved; null when this is not a string. */
  asString(): string | null {
    if (!this.isString()) return null;
    return decodeString(this.src, this.start, this.end);
  }

  /** Whether this is the JSON string `s`. */
  isText(s: string): bool {
    return this.isString() && this.keyIs(this.start, this.end, utf8(s), s);
  }

  /** The JSON text itself (a copy of its bytes). */
  toBytes(): Uint8Array {
    return this.src.slice(this.start, this.end);
  }

  /** The JSON text itself. */
  toString(): string {
    return utf8Text(this.src.subarray(this.start, this.end));
  }
}

/** `s` as a JSON string literal, quotes included (lone surrogates become U+FFFD). */
export function quote(s: string): string {
  let parts = new Array<string>();
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = "\\\"";
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c < 0x20) esc = "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16);
    else if (c >= 0xd800 && c < 0xdc00) {
      let d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d < 0xe000) { i++; continue; } // a valid pair stays as it is
      esc = "\ufffd";
    } else if (c >= 0xdc00 && c < 0xe000) esc = "\ufffd";
    if (esc == null) continue;
    parts.push(s.substring(run, i));
    parts.push(esc);
    run = i + 1;
  }
  parts.push(s.substring(run));
  return "\"" + parts.join("") + "\"";
}
