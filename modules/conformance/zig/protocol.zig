//! The wire format of the conformance protocol (modules/conformance/PROTOCOL.md):
//! commands to `conf_zig` and its replies.

const std = @import("std");
const hatchery = @import("hatchery");

/// The first byte of a command.
pub const magic: u8 = 0xC0;
/// The first byte of a reply.
pub const reply_magic: u8 = 0xC1;

/// A parsed command; `s1` and `s2` point into the bytes it was parsed from.
pub const Command = struct {
    op: u8,
    a: i64,
    b: i64,
    c: i64,
    s1: []const u8,
    s2: []const u8,

    /// `null` when `data` is shorter than the 40-byte header or than what `len1` and
    /// `len2` say follows it.
    pub fn parse(data: []const u8) ?Command {
        if (data.len < 40) return null;
        const len1: usize = std.mem.readInt(u32, data[32..36], .little);
        const len2: usize = std.mem.readInt(u32, data[36..40], .little);
        // Each length is below 2^32, so on wasm32 the sums are checked, not wrapped.
        const end1 = std.math.add(usize, 40, len1) catch return null;
        const end2 = std.math.add(usize, end1, len2) catch return null;
        if (data.len < end2) return null;
        return .{
            .op = data[1],
            .a = std.mem.readInt(i64, data[8..16], .little),
            .b = std.mem.readInt(i64, data[16..24], .little),
            .c = std.mem.readInt(i64, data[24..32], .little),
            .s1 = data[40..end1],
            .s2 = data[end1..end2],
        };
    }
};

/// Sends a reply to `to` (a command from outside the node has no sender: the reply is
/// dropped, as a send to pid 0 is).
pub fn reply(arena: std.mem.Allocator, to: ?hatchery.Pid, op: u8, r: i64, x: i64, y: i64, data: []const u8) void {
    const pid = to orelse return;
    const out = arena.alloc(u8, 40 + data.len) catch @panic("conf_zig: no memory for a reply");
    @memset(out[0..40], 0);
    out[0] = reply_magic;
    out[1] = op;
    std.mem.writeInt(i64, out[8..16], r, .little);
    std.mem.writeInt(i64, out[16..24], x, .little);
    std.mem.writeInt(i64, out[24..32], y, .little);
    std.mem.writeInt(u32, out[32..36], @intCast(data.len), .little);
    @memcpy(out[40..], data);
    pid.send(out) catch {};
}

test "parse checks the lengths" {
    var cmd: [45]u8 = @splat(0);
    cmd[0] = magic;
    cmd[1] = 5;
    cmd[8] = 9;
    cmd[32] = 3;
    cmd[36] = 2;
    @memcpy(cmd[40..45], "abcde");
    const c = Command.parse(&cmd).?;
    try std.testing.expectEqual(@as(i64, 9), c.a);
    try std.testing.expectEqualStrings("abc", c.s1);
    try std.testing.expectEqualStrings("de", c.s2);
    try std.testing.expectEqual(@as(?Command, null), Command.parse(cmd[0..44]));
    try std.testing.expectEqual(@as(?Command, null), Command.parse(cmd[0..39]));
    cmd[35] = 0xff;
    try std.testing.expectEqual(@as(?Command, null), Command.parse(&cmd));
}
