//! Exit reasons and their byte encoding (guest-sdk/ABI.md §3).

const std = @import("std");
const sys = @import("sys.zig");

/// Why a process ended: carried by `EXIT` and `DOWN` messages, passed to `exit` and
/// `exitSignal`. On the wire a reason is one kind byte followed by a detail.
///
/// The detail slices borrow whatever bytes the reason was decoded from (a received
/// message): copy them with `dupe` to keep them past the next receive.
pub const ExitReason = union(enum) {
    /// Kind 0: the entry returned, `exit(.normal)`, or WASI `proc_exit(0)`.
    normal,
    /// Kind 1: the process received the untrappable `kill` signal.
    killed,
    /// Kind 2: a link or monitor named a process that was already dead.
    noproc,
    /// Kind 3: the process's node became unreachable (reserved for multi-node).
    noconnection,
    /// Kind 4: an orderly stop requested by a supervisor or the node.
    shutdown,
    /// Kind 5: the guest trapped; the trap message, a newline, then the Wasm backtrace.
    trap: []const u8,
    /// Kind 6: a per-process cap was hit: `memory` or `mailbox`.
    limit: []const u8,
    /// Kind 7: a reason of the guest's choosing (any bytes).
    custom: []const u8,
    /// Kind 8: the process could not start; what was missing.
    undef: []const u8,

    /// The kind byte.
    pub fn kind(self: ExitReason) u8 {
        return switch (self) {
            .normal => sys.REASON_NORMAL,
            .killed => sys.REASON_KILLED,
            .noproc => sys.REASON_NOPROC,
            .noconnection => sys.REASON_NOCONNECTION,
            .shutdown => sys.REASON_SHUTDOWN,
            .trap => sys.REASON_TRAP,
            .limit => sys.REASON_LIMIT,
            .custom => sys.REASON_CUSTOM,
            .undef => sys.REASON_UNDEF,
        };
    }

    /// The detail bytes (empty for kinds 0–4).
    pub fn detail(self: ExitReason) []const u8 {
        return switch (self) {
            .trap, .limit, .custom, .undef => |d| d,
            else => "",
        };
    }

    /// Whether this is `normal`.
    pub fn isNormal(self: ExitReason) bool {
        return self == .normal;
    }

    /// Reads the wire form; it never fails. Detail bytes after kinds 0–4 are ignored. Bytes
    /// that are not a valid reason (empty, or an unknown kind from a newer host) become
    /// `custom` holding all of them, so nothing is lost (as the Rust SDK does).
    pub fn decode(bytes: []const u8) ExitReason {
        if (bytes.len == 0) return .{ .custom = "" };
        const rest = bytes[1..];
        return switch (bytes[0]) {
            sys.REASON_NORMAL => .normal,
            sys.REASON_KILLED => .killed,
            sys.REASON_NOPROC => .noproc,
            sys.REASON_NOCONNECTION => .noconnection,
            sys.REASON_SHUTDOWN => .shutdown,
            sys.REASON_TRAP => .{ .trap = rest },
            sys.REASON_LIMIT => .{ .limit = rest },
            sys.REASON_CUSTOM => .{ .custom = rest },
            sys.REASON_UNDEF => .{ .undef = rest },
            else => .{ .custom = bytes },
        };
    }

    /// Writes the wire form: the kind byte, then the detail.
    pub fn encode(self: ExitReason, w: *std.Io.Writer) std.Io.Writer.Error!void {
        try w.writeByte(self.kind());
        try w.writeAll(self.detail());
    }

    /// The wire form in memory from `allocator`; the caller owns it.
    pub fn encodeAlloc(self: ExitReason, allocator: std.mem.Allocator) error{OutOfMemory}![]u8 {
        const d = self.detail();
        const out = try allocator.alloc(u8, 1 + d.len);
        out[0] = self.kind();
        @memcpy(out[1..], d);
        return out;
    }

    /// A copy whose detail lives in `allocator` (so it outlives the message it came from).
    pub fn dupe(self: ExitReason, allocator: std.mem.Allocator) error{OutOfMemory}!ExitReason {
        return switch (self) {
            .trap => |d| .{ .trap = try allocator.dupe(u8, d) },
            .limit => |d| .{ .limit = try allocator.dupe(u8, d) },
            .custom => |d| .{ .custom = try allocator.dupe(u8, d) },
            .undef => |d| .{ .undef = try allocator.dupe(u8, d) },
            else => self,
        };
    }

    /// `{f}` prints `normal`, `killed`, `noproc`, `noconnection`, `shutdown`,
    /// `trap: <message>`, `limit: <what>`, `custom: <detail>` (the detail as text when it is
    /// UTF-8, otherwise `0x` and lowercase hex) or `undef: <what>`, as the host shows them.
    pub fn format(self: ExitReason, w: *std.Io.Writer) std.Io.Writer.Error!void {
        try w.writeAll(@tagName(self));
        switch (self) {
            .trap, .limit, .undef => |d| try w.print(": {s}", .{d}),
            .custom => |d| if (std.unicode.utf8ValidateSlice(d))
                try w.print(": {s}", .{d})
            else
                try w.print(": 0x{x}", .{d}),
            else => {},
        }
    }
};

const testing = std.testing;

test "encode and decode follow the ABI table" {
    var buf: [64]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buf);
    try (ExitReason{ .custom = "bye" }).encode(&w);
    try testing.expectEqualSlices(u8, "\x07bye", w.buffered());
    try testing.expectEqual(ExitReason.shutdown, ExitReason.decode(&.{ 4, 1, 2 }));
    try testing.expectEqualSlices(u8, "x", ExitReason.decode("\x05x").trap);
    try testing.expectEqualSlices(u8, "", ExitReason.decode("").custom);
    try testing.expectEqualSlices(u8, &.{ 9, 1 }, ExitReason.decode(&.{ 9, 1 }).custom);
}

test "format" {
    var buf: [64]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buf);
    try w.print("{f}|{f}|{f}", .{
        ExitReason{ .custom = "timeout" },
        ExitReason{ .custom = &.{ 0xff, 0, 1 } },
        @as(ExitReason, .killed),
    });
    try testing.expectEqualSlices(u8, "custom: timeout|custom: 0xff0001|killed", w.buffered());
}
