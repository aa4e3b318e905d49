// The conformance protocol (modules/conformance/PROTOCOL.md): commands and replies.

import { ByteWriter, Pid, readI64, readU32, send } from "../../../guest-sdk/assemblyscript/hatchery";

/** The first byte of a command. */
export const MAGIC: u8 = 0xc0;
/** The first byte of a reply. */
export const REPLY: u8 = 0xc1;
/** Fixed part of a command: magic, op, padding, a, b, c, len1, len2. */
const HEADER: i32 = 40;

/** A parsed command. */
export class Command {
  constructor(
    public op: u8,
    public a: i64,
    public b: i64,
    public c: i64,
    public s1: Uint8Array,
    public s2: Uint8Array,
  ) {}

  /** Parses a command; null when it is shorter than what it says it holds. */
  static parse(data: Uint8Array): Command | null {
    if (data.length < HEADER) return null;
    // u32 lengths: compare as u64 so a huge length cannot wrap around.
    let len1 = <u64>readU32(data, 32);
    let len2 = <u64>readU32(data, 36);
    if (<u64>HEADER + len1 + len2 > <u64>data.length) return null;
    let end1 = HEADER + <i32>len1;
    return new Command(
      data[1], readI64(data, 8), readI64(data, 16), readI64(data, 24),
      data.slice(HEADER, end1), data.slice(end1, end1 + <i32>len2),
    );
  }
}

/** Sends a reply to `to`. */
export function reply(to: Pid, op: u8, r: i64, x: i64, y: i64, data: Uint8Array): void {
  let out = new ByteWriter(HEADER + data.length);
  out.byte(REPLY).byte(op);
  for (let i = 0; i < 6; i++) out.byte(0);
  out.i64le(r).i64le(x).i64le(y).u32le(<u32>data.length).u32le(0).bytes(data);
  send(to, out.toBytes());
}
