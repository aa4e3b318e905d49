// Unit tests of the pure parts of the SDK: JSON, UTF-8, exit reasons.

import {
  ExitReason, Json, JsonKind, JsonWriter, isUtf8, quote, utf8, utf8Text,
} from "../hatchery";
import { check, checkInt, checkText } from "./fake";

function parse(text: string): Json | null {
  return Json.parseText(text);
}

function bytesOf(values: i32[]): Uint8Array {
  let b = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) b[i] = <u8>values[i];
  return b;
}

export function test_json_parses_and_reads_fields(): void {
  let v = parse(' { "a" : [1, 2, {"b": null}], "c": "x\\"y", "d": -12.5e3, "e": true } ');
  check(v != null, "valid JSON parses");
  if (v == null) return;
  check(v.kind == JsonKind.Object, "an object");
  let a = v.get("a");
  check(a != null && a.isArray() && a.length == 3, "a is an array of 3");
  if (a == null) return;
  checkInt(a.at(1)!.toI64(), 2, "a[1]");
  check(a.at(2)!.get("b")!.isNull(), "a[2].b is null");
  check(a.at(3) == null && a.at(-1) == null, "out of range elements");
  checkText(v.get("c")!.asString(), 'x"y', "an escaped quote");
  check(v.get("d")!.toF64() == -12500, "a float with an exponent");
  check(!v.get("d")!.isInteger(), "a float is not an integer");
  check(v.get("e")!.isTrue(), "true");
  check(v.get("missing") == null, "a missing key");
  check(v.get("c")!.get("x") == null && v.at(0) == null, "get and at on the wrong kinds");
  checkText(v.get("a")!.toString(), '[1, 2, {"b": null}]', "the raw text of a member");
}

export function test_json_rejects_bad_input(): void {
  let bad = [
    "", " ", "{", "}", "[1,]", "[,1]", '{"a" 1}', '{"a":}', '{a:1}', "01", "1.", ".5", "-",
    "1e", "+1", '"abc', '"\\x"', '"\\u12"', '"\\u12g4"', "tru", "nul", "falsey", '{"a":1}x',
    "1 2", "[1 2]", '{"a":1,}', "\"tab\there\"", "NaN", "Infinity", "[", "]", "{}}",
  ];
  for (let i = 0; i < bad.length; i++) check(parse(bad[i]) == null, "refused: " + bad[i]);
  check(Json.parse(bytesOf([0x22, 0xff, 0x22])) == null, "invalid UTF-8 in a string");
  let good = ["0", "-0", "1.5E+3", '""', "[]", "{}", '"\\u00e9\\n\\/"', " null\n", "[[], {}]"];
  for (let i = 0; i < good.length; i++) check(parse(good[i]) != null, "accepted: " + good[i]);
}

export function test_json_nesting_limit(): void {
  let ok = "[".repeat(128) + "]".repeat(128);
  check(parse(ok) != null, "128 levels parse");
  let deep = "[".repeat(129) + "]".repeat(129);
  check(parse(deep) == null, "129 levels are refused");
  let huge = '{"a":'.repeat(100000);
  check(parse(huge) == null, "very deep, unclosed input is refused without a crash");
}

export function test_json_escaped_keys_and_strings(): void {
  let v = parse('{"\\u0024call": 1, "caf\\u00e9": 2, "café": 3}')!;
  checkInt(v.get("$call")!.toI64(), 1, "a key written with an escape");
  checkInt(v.get("café")!.toI64(), 3, "an escaped key equals its raw twin (the last wins)");
  checkText(parse('"\\ud83d\\ude00 \\t\\b\\f\\r\\n\\\\\\/"')!.asString(), "😀 \t\b\f\r\n\\/", "escapes");
  checkText(parse('"é😀"')!.asString(), "é😀", "raw UTF-8");
  check(parse('"get"')!.isText("get") && !parse('"get"')!.isText("ge"), "isText");
  check(parse('"g\\u0065t"')!.isText("get"), "isText with an escape");
  check(parse("5")!.asString() == null, "asString of a number");
}

export function test_json_repeated_key_last_wins(): void {
  let v = parse('{"k": 1, "k": 2}')!;
  checkInt(v.get("k")!.toI64(), 2, "the last of a repeated key");
  checkInt(v.length, 2, "both members count");
}

export function test_json_integers(): void {
  check(parse("9223372036854775807")!.isInteger(), "i64 max");
  check(!parse("9223372036854775808")!.isInteger(), "over i64 max");
  checkInt(parse("-9223372036854775808")!.toI64(), I64.MIN_VALUE, "i64 min");
  check(parse("18446744073709551615")!.toU64() == U64.MAX_VALUE, "u64 max");
  check(parse("18446744073709551616")!.toU64(3) == 3, "over u64 max");
  check(parse("-1")!.toU64(3) == 3, "a negative u64");
  check(!parse("1.0")!.isInteger() && !parse("1e2")!.isInteger(), "fraction and exponent");
  checkInt(parse('"5"')!.toI64(-1), -1, "a string is not an integer");
  checkInt(parse("-0")!.toI64(9), 0, "-0");
}

export function test_json_keys_and_length(): void {
  let v = parse('{ "x" : 1 , "y\\n" : [ 1 , 2 ] }')!;
  let keys = v.keys();
  check(keys.length == 2 && keys[0] == "x" && keys[1] == "y\n", "keys in order");
  checkInt(v.length, 2, "object length");
  checkInt(parse("[ ]")!.length, 0, "empty array");
  checkInt(parse("{ }")!.length, 0, "empty object");
  checkInt(parse("[[1,2],{\"a\":[3]}, \"]\"]")!.length, 3, "nested array length");
  checkInt(parse('"abc"')!.length, 0, "length of a string");
}

export function test_json_writer(): void {
  let w = new JsonWriter();
  w.beginObject()
    .key("a").int(-3)
    .key("b").beginArray().string("x\"\n\u0001").boolean(true).nil().number(1.5).endArray()
    .key("c").beginObject().endObject()
    .key("d").json(parse(' [1, {"z": 2}] ')!)
    .key("e").uint(U64.MAX_VALUE)
    .key("f").number(NaN)
    .endObject();
  let want = '{"a":-3,"b":["x\\"\\n\\u0001",true,null,1.5],"c":{},"d":[1, {"z": 2}],'
    + '"e":18446744073709551615,"f":null}';
  checkText(utf8Text(w.toBytes()), want, "the written JSON");
  check(w.toJson() != null, "the written JSON parses");
  check(new JsonWriter().beginObject().toJson() == null, "an unclosed object is not a value");
  checkText(quote("\ud800x"), '"\ufffdx"', "a lone surrogate");
  checkText(quote("😀"), '"😀"', "a surrogate pair stays");
  checkText(Json.string("a\"b").toString(), '"a\\"b"', "Json.string");
  checkText(Json.int(-7).toString(), "-7", "Json.int");
}

export function test_utf8_lossy(): void {
  checkText(utf8Text(bytesOf([0x61, 0xff, 0x62])), "a\ufffdb", "an invalid byte");
  checkText(utf8Text(bytesOf([0x61, 0xe2, 0x82])), "a\ufffd", "a cut sequence is one U+FFFD");
  checkText(utf8Text(bytesOf([0xed, 0xa0, 0x80])), "\ufffd\ufffd\ufffd", "an encoded surrogate");
  checkText(utf8Text(bytesOf([0xc0, 0xaf])), "\ufffd\ufffd", "an overlong form");
  checkText(utf8Text(bytesOf([0xf0, 0x9f, 0x98, 0x80, 0x21])), "😀!", "a 4-byte sequence");
  check(isUtf8(utf8("é😀")) && !isUtf8(bytesOf([0xf4, 0x90, 0x80, 0x80])), "isUtf8");
}

export function test_exit_reason_encoding_and_text(): void {
  checkText(ExitReason.normal().toString(), "normal", "normal");
  checkText(ExitReason.decode(bytesOf([4, 1, 2])).toString(), "shutdown", "detail of shutdown ignored");
  checkInt(ExitReason.decode(bytesOf([4, 1, 2])).encode().length, 1, "shutdown encodes as one byte");
  checkText(ExitReason.custom("bye").toString(), "custom: bye", "custom text");
  checkText(ExitReason.customBytes(bytesOf([0xff, 0, 1])).toString(), "custom: 0xff0001", "custom hex");
  checkText(ExitReason.decode(bytesOf([5, 0x78])).toString(), "trap: x", "trap");
  checkText(ExitReason.decode(bytesOf([9, 1])).toString(), "custom: \t\x01", "an unknown kind keeps all its bytes");
  checkText(ExitReason.decode(new Uint8Array(0)).toString(), "custom: ", "empty bytes");
  checkText(ExitReason.killed().forSelfExit().toString(), "custom: killed", "killed for exit");
  checkText(ExitReason.decode(bytesOf([6, 0x6d])).forSelfExit().toString(), "custom: limit: m", "limit for exit");
  check(ExitReason.shutdown().forSelfExit().equals(ExitReason.shutdown()), "shutdown stays");
  let r = ExitReason.custom("x");
  check(ExitReason.decode(r.encode()).equals(r), "round trip");
}
