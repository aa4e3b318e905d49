// Bytes: UTF-8 text, little-endian integers and a growable byte buffer.
//
// Messages, names and arguments are bytes on the wire, while AssemblyScript strings are
// UTF-16: every string that crosses the ABI goes through `utf8` / `utf8Text` here.

/** The empty byte array. */
export const EMPTY: Uint8Array = new Uint8Array(0);

/** The UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

/**
 * The length of the valid UTF-8 sequence at `p`, or minus the length of the invalid part
 * to replace with one U+FFFD (Unicode's "maximal subpart", as Rust's `from_utf8_lossy`).
 */
function sequenceAt(p: usize, end: usize): i32 {
  let b0 = <u32>load<u8>(p);
  if (b0 < 0x80) return 1;
  let need: i32 = 0;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
  else if (b0 == 0xe0) { need = 2; lo = 0xa0; }
  else if (b0 == 0xed) { need = 2; hi = 0x9f; } // no surrogates
  else if (b0 >= 0xe1 && b0 <= 0xef) need = 2;
  else if (b0 == 0xf0) { need = 3; lo = 0x90; } // no overlong forms
  else if (b0 >= 0xf1 && b0 <= 0xf3) need = 3;
  else if (b0 == 0xf4) { need = 3; hi = 0x8f; } // nothing above U+10FFFF
  else return -1;
  for (let k = 1; k <= need; k++) {
    if (p + <usize>k >= end) return -k;
    let c = <u32>load<u8>(p + <usize>k);
    if (c < lo || c > hi) return -k;
    lo = 0x80;
    hi = 0xbf;
  }
  return need + 1;
}

/** Whether `b` is valid UTF-8. */
export function isUtf8(b: Uint8Array): bool {
  let p = b.dataStart;
  let end = p + <usize>b.length;
  while (p < end) {
    let n = sequenceAt(p, end);
    if (n < 0) return false;
    p += <usize>n;
  }
  return true;
}

/** `b` as text; invalid UTF-8 becomes U+FFFD (never fails). */
export function utf8Text(b: Uint8Array): string {
  if (isUtf8(b)) return String.UTF8.decodeUnsafe(b.dataStart, <usize>b.length);
  // At most one UTF-16 unit per input byte: a 4-byte sequence gives two units.
  let units = new Uint16Array(b.length);
  let out = 0;
  let p = b.dataStart;
  let end = p + <usize>b.length;
  while (p < end) {
    let n = sequenceAt(p, end);
    if (n < 0) {
      units[out++] = 0xfffd;
      p += <usize>(-n);
      continue;
    }
    let c = <u32>load<u8>(p);
    if (n == 2) c = ((c & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
    else if (n == 3) c = ((c & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f);
    else if (n == 4) {
      c = ((c & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12)
        | ((<u32>load<u8>(p + 2) & 0x3f) << 6) | (<u32>load<u8>(p + 3) & 0x3f);
    }
    if (c >= 0x10000) {
      c -= 0x10000;
      units[out++] = <u16>(0xd800 | (c >> 10));
      units[out++] = <u16>(0xdc00 | (c & 0x3ff));
    } else {
      units[out++] = <u16>c;
    }
    p += <usize>n;
  }
  return String.UTF16.decodeUnsafe(units.dataStart, <usize>out << 1);
}

/** Whether `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  return memory.compare(a.dataStart, b.dataStart, <usize>a.length) == 0;
}

/** Whether `b` starts with `prefix`. */
export function startsWith(b: Uint8Array, prefix: Uint8Array): bool {
  if (prefix.length > b.length) return false;
  return memory.compare(b.dataStart, prefix.dataStart, <usize>prefix.length) == 0;
}

/** The little-endian i64 at `at`; 0 when `b` is too short. */
export function readI64(b: Uint8Array, at: i32): i64 {
  if (at < 0 || at > b.length - 8) return 0;
  return load<i64>(b.dataStart + <usize>at);
}

/** The little-endian u32 at `at`; 0 when `b` is too short. */
export function readU32(b: Uint8Array, at: i32): u32 {
  if (at < 0 || at > b.length - 4) return 0;
  return load<u32>(b.dataStart + <usize>at);
}

/** `v` as bytes: a string as UTF-8, bytes as they are, or anything with `toBytes()`. */
export function toBytes<T>(v: T): Uint8Array {
  if (isString<T>()) return utf8(changetype<string>(v));
  if (v instanceof Uint8Array) return changetype<Uint8Array>(v);
  if (v instanceof ArrayBuffer) return Uint8Array.wrap(changetype<ArrayBuffer>(v));
  // @ts-ignore: resolved per T at compile time (Json, JsonWriter, ByteWriter).
  return v.toBytes();
}

/** A growable byte buffer: build a message, then take `toBytes()`. */
export class ByteWriter {
  private buf: Uint8Array;
  private len: i32 = 0;

  constructor(capacity: i32 = 64) {
    this.buf = new Uint8Array(max(capacity, 16));
  }

  /** The number of bytes written. */
  get length(): i32 {
    return this.len;
  }

  /** Makes room for `more` bytes. */
  private reserve(more: i32): void {
    let need = this.len + more;
    if (need <= this.buf.length) return;
    let bigger = new Uint8Array(max(need, this.buf.length * 2));
    memory.copy(bigger.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = bigger;
  }

  byte(b: u8): ByteWriter {
    this.reserve(1);
    this.buf[this.len++] = b;
    return this;
  }

  bytes(b: Uint8Array): ByteWriter {
    this.reserve(b.length);
    memory.copy(this.buf.dataStart + <usize>this.len, b.dataStart, <usize>b.length);
    this.len += b.length;
    return this;
  }

  /** Appends `s` as UTF-8. */
  string(s: string): ByteWriter {
    return this.bytes(utf8(s));
  }

  i64le(v: i64): ByteWriter {
    this.reserve(8);
    store<i64>(this.buf.dataStart + <usize>this.len, v);
    this.len += 8;
    return this;
  }

  u32le(v: u32): ByteWriter {
    this.reserve(4);
    store<u32>(this.buf.dataStart + <usize>this.len, v);
    this.len += 4;
    return this;
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
