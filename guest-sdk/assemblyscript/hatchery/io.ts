// Standard output and error, through WASI `fd_write`: the node captures both per process
// and tags each line with the pid.

import { utf8 } from "./bytes";
import { fd_write } from "./sys";

const iovec = memory.data(8, 4);
const written = memory.data(4, 4);

/** Writes all of `bytes` to `fd`, looping over short writes; false if the write failed. */
export function writeAll(fd: i32, bytes: Uint8Array): bool {
  let at: i32 = 0;
  while (at < bytes.length) {
    store<u32>(iovec, <u32>(bytes.dataStart + <usize>at));
    store<u32>(iovec, <u32>(bytes.length - at), 4);
    if (fd_write(fd, iovec, 1, written) != 0) return false;
    let n = <i32>load<u32>(written);
    if (n <= 0) return false;
    at += n;
  }
  return true;
}

/** Prints `text` and a newline on standard output. */
export function print(text: string): void {
  writeAll(1, utf8(text + "\n"));
}

/** Prints `text` and a newline on standard error. */
export function eprint(text: string): void {
  writeAll(2, utf8(text + "\n"));
}
