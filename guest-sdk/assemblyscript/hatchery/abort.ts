// The abort handler: what `throw`, a failed `assert` and the runtime's own errors (out of
// memory, an index out of range) end in.
//
// Without it AssemblyScript imports `env.abort`, which a Hatchery node refuses to load. Build
// with `--use abort=<path to this file without .ts>/hatcheryAbort`. It prints the message
// on standard error and traps, so the process ends with reason `trap` as a Rust panic
// does. It allocates nothing: it also runs when the memory cap is reached.

import { fd_write } from "./sys";

/** Bytes of one message line; a longer message is cut. */
const LINE_CAP: i32 = 1024;
const line = memory.data(LINE_CAP);
const iovec = memory.data(8, 4);
const written = memory.data(4, 4);

let aborting = false;
let used: i32 = 0;

/** Appends one byte to the line, if there is room. */
function put(b: u32): void {
  if (used < LINE_CAP) {
    store<u8>(line + <usize>used, <u8>b);
    used++;
  }
}

/** Appends a string as UTF-8, one code unit at a time (lone surrogates become U+FFFD). */
function putString(s: string | null): void {
  if (s == null) return;
  let text = changetype<string>(s);
  let n = text.length;
  for (let i = 0; i < n; i++) {
    let c = <u32>text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      let d = <u32>text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x80) {
      put(c);
    } else if (c < 0x800) {
      put(0xc0 | (c >> 6)); put(0x80 | (c & 63));
    } else if (c < 0x10000) {
      put(0xe0 | (c >> 12)); put(0x80 | ((c >> 6) & 63)); put(0x80 | (c & 63));
    } else {
      put(0xf0 | (c >> 18)); put(0x80 | ((c >> 12) & 63));
      put(0x80 | ((c >> 6) & 63)); put(0x80 | (c & 63));
    }
  }
}

/** Appends a number in decimal. */
function putNumber(n: u32): void {
  let div: u32 = 1;
  while (n / div >= 10) div *= 10;
  while (div > 0) {
    put(48 + (n / div) % 10);
    div /= 10;
  }
}

/** The abort handler named by `--use abort=...`: prints, then traps. */
export function hatcheryAbort(
  message: string | null = null, fileName: string | null = null, lineNumber: u32 = 0, columnNumber: u32 = 0,
): void {
  // An abort while printing an abort (it should not happen: nothing here allocates) must
  // not loop.
  if (aborting) unreachable();
  aborting = true;
  used = 0;
  putString("abort: ");
  putString(message != null ? message : "(no message)");
  if (fileName != null) {
    putString(" at ");
    putString(fileName);
    put(58); putNumber(lineNumber); put(58); putNumber(columnNumber);
  }
  if (used == LINE_CAP) used--;
  put(10);
  store<u32>(iovec, <u32>line);
  store<u32>(iovec, <u32>used, 4);
  fd_write(2, iovec, 1, written);
  unreachable();
}
