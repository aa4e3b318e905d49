//! JSON the way every Hatchery SDK reads it: any message may be JSON, none has to be.

const std = @import("std");
const heap = @import("heap.zig");

/// Nesting deeper than this is not read as JSON: serde_json refuses 128 levels, so a
/// message is JSON to the Zig SDK exactly when it is to the Rust one. It also bounds the
/// recursion of writing a parsed value back out.
pub const max_depth = 127;

/// Parses `bytes` as one JSON value, in `arena`. `null` when the bytes are not JSON (or
/// nest deeper than `max_depth`); a key given twice keeps its last value, as serde_json
/// does. The value's strings are copies: it stays valid as long as `arena` does.
pub fn parse(arena: std.mem.Allocator, bytes: []const u8) error{OutOfMemory}!?std.json.Value {
    if (!depthWithin(bytes, max_depth)) return null;
    return std.json.parseFromSliceLeaky(std.json.Value, arena, bytes, .{
        .duplicate_field_behavior = .use_last,
        .allocate = .alloc_always,
    }) catch |err| switch (err) {
        error.OutOfMemory => error.OutOfMemory,
        else => null,
    };
}

/// Whether the brackets of `bytes` (outside strings) nest at most `limit` deep. A cheap
/// pass before parsing; the parser checks the rest.
fn depthWithin(bytes: []const u8, limit: usize) bool {
    var depth: usize = 0;
    var in_string = false;
    var escaped = false;
    for (bytes) |c| {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            '"' => in_string = true,
            '[', '{' => {
                depth += 1;
                if (depth > limit) return false;
            },
            ']', '}' => depth -|= 1,
            else => {},
        }
    }
    return true;
}

/// The member `key` of `value` when it is an object; `null` otherwise.
pub fn get(value: std.json.Value, key: []const u8) ?std.json.Value {
    return switch (value) {
        .object => |o| o.get(key),
        else => null,
    };
}

/// `value` as a non-negative integer, as serde_json's `as_u64` reads it; `null` for
/// anything else (floats included).
pub fn asU64(value: ?std.json.Value) ?u64 {
    const v = value orelse return null;
    return switch (v) {
        .integer => |i| if (i >= 0) @intCast(i) else null,
        .number_string => |s| std.fmt.parseInt(u64, s, 10) catch null,
        else => null,
    };
}

/// JSON text that is already encoded, written out as it is: a stored value, a value
/// received from another process. The bytes must be one valid JSON value.
pub const Raw = struct {
    text: []const u8,

    pub fn jsonStringify(self: Raw, jws: anytype) !void {
        try jws.print("{s}", .{self.text});
    }
};

/// Encodes `value` (anything `std.json.Stringify` takes, `std.json.Value` and `Raw`
/// included) into a buffer the SDK reuses: the bytes stay valid until the next `encode`.
pub fn encode(value: anytype) error{OutOfMemory}![]const u8 {
    out.clearRetainingCapacity();
    std.json.Stringify.value(value, .{}, &out.writer) catch return error.OutOfMemory;
    return out.written();
}

var out: std.Io.Writer.Allocating = .init(heap.allocator);

/// Encodes `value` into memory of exactly its size from `allocator` (it is measured first,
/// so a big value is not copied as a growing buffer doubles); the caller owns it.
pub fn encodeAlloc(allocator: std.mem.Allocator, value: anytype) error{OutOfMemory}![]u8 {
    var measure: std.Io.Writer.Discarding = .init(&.{});
    std.json.Stringify.value(value, .{}, &measure.writer) catch {}; // Discarding never fails.
    const text = try allocator.alloc(u8, @intCast(measure.fullCount()));
    var w: std.Io.Writer = .fixed(text);
    std.json.Stringify.value(value, .{}, &w) catch @panic("hatchery: a value encoded to two sizes");
    return text;
}

const testing = std.testing;

test "parse is tolerant of white space and key order, strict about JSON" {
    var arena: std.heap.ArenaAllocator = .init(testing.allocator);
    defer arena.deinit();
    const a = arena.allocator();
    const v = (try parse(a, " {\"req\" : \"get\",\n\"ref\":7 } ")).?;
    try testing.expectEqual(@as(?u64, 7), asU64(get(v, "ref")));
    try testing.expectEqualStrings("get", get(v, "req").?.string);
    try testing.expectEqual(@as(?std.json.Value, null), try parse(a, "{\"a\":1"));
    try testing.expectEqual(@as(?std.json.Value, null), try parse(a, "plain info"));
    try testing.expectEqual(@as(?std.json.Value, null), try parse(a, ""));
    try testing.expectEqual(@as(i64, 2), get((try parse(a, "{\"a\":1,\"a\":2}")).?, "a").?.integer);
    try testing.expectEqual(@as(?u64, null), asU64(.{ .float = 1.0 }));
}

test "encodeAlloc writes exactly the value" {
    const text = try encodeAlloc(testing.allocator, .{ .a = "é\n", .b = [_]i64{ 1, -2 } });
    defer testing.allocator.free(text);
    try testing.expectEqualStrings("{\"a\":\"é\\n\",\"b\":[1,-2]}", text);
}

test "nesting is limited as serde_json limits it" {
    var arena: std.heap.ArenaAllocator = .init(testing.allocator);
    defer arena.deinit();
    const ok = @as([127]u8, @splat('[')) ++ @as([127]u8, @splat(']'));
    const deep = @as([128]u8, @splat('[')) ++ @as([128]u8, @splat(']'));
    try testing.expect((try parse(arena.allocator(), &ok)) != null);
    try testing.expect((try parse(arena.allocator(), &deep)) == null);
    try testing.expect((try parse(arena.allocator(), "[\"[[[[\"]")) != null);
}
