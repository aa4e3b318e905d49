//! Process identifiers and the references the host hands out (all positive `i64`s).

const std = @import("std");
const builtin = @import("builtin");
const sys = @import("sys.zig");
const errors = @import("error.zig");

/// A process identifier. Any value is allowed (a pid that names no live process is a dead
/// process everywhere: sends to it are dropped), but the host only hands out positive ones.
/// Prints as `<0.N>` when it is a pid of this node and `<NODE.N>` when it is another
/// node's (ABI.md §1), like Erlang; in JSON it is a plain number.
pub const Pid = enum(i64) {
    _,

    /// A pid from its raw ABI value; `null` for 0 or a negative value (no process).
    pub fn fromRaw(value: i64) ?Pid {
        return if (value > 0) @fromBackingInt(value) else null;
    }

    /// The raw ABI value.
    pub fn raw(self: Pid) i64 {
        return @backingInt(self);
    }

    /// Sends raw bytes to this process. Like Erlang's `!` it does not say whether the
    /// message arrived: a message to a dead process is dropped.
    /// Errors: `TooBig` when over the node's message size limit.
    pub fn send(self: Pid, bytes: []const u8) errors.Error!void {
        _ = try errors.check(sys.send(self.raw(), sys.ptr(bytes), bytes.len));
    }

    pub fn format(self: Pid, w: *std.Io.Writer) std.Io.Writer.Error!void {
        // Outside Wasm (the SDK's own tests) there is no host to ask: every pid is local.
        if (builtin.cpu.arch.isWasm()) {
            // Node names are at most 255 bytes.
            var here: [256]u8 = undefined;
            var there: [256]u8 = undefined;
            const h: usize = @intCast(std.math.clamp(sys.node_name(&here, here.len), 0, here.len));
            const t: usize = @intCast(std.math.clamp(sys.pid_node(self.raw(), &there, there.len), 0, there.len));
            if (!std.mem.eql(u8, here[0..h], there[0..t])) {
                return w.print("<{s}.{d}>", .{ there[0..t], self.raw() });
            }
        }
        try w.print("<0.{d}>", .{self.raw()});
    }

    pub fn jsonStringify(self: Pid, jws: anytype) !void {
        try jws.write(self.raw());
    }

    pub fn jsonParse(allocator: std.mem.Allocator, source: anytype, options: std.json.ParseOptions) !Pid {
        const value = try std.json.innerParse(i64, allocator, source, options);
        return fromRaw(value) orelse error.UnexpectedToken;
    }

    pub fn jsonParseFromValue(allocator: std.mem.Allocator, source: std.json.Value, options: std.json.ParseOptions) !Pid {
        const value = try std.json.innerParseFromValue(i64, allocator, source, options);
        return fromRaw(value) orelse error.UnexpectedToken;
    }
};

/// A monitor reference (`monitor`, `spawnMonitor`); `DOWN` messages carry it.
pub const MonitorRef = enum(i64) {
    _,

    pub fn raw(self: MonitorRef) i64 {
        return @backingInt(self);
    }

    pub fn format(self: MonitorRef, w: *std.Io.Writer) std.Io.Writer.Error!void {
        try w.print("#Ref<0.{d}>", .{self.raw()});
    }
};

/// A timer reference (`sendAfter`), for `cancelTimer`.
pub const TimerRef = enum(i64) {
    _,

    pub fn raw(self: TimerRef) i64 {
        return @backingInt(self);
    }

    pub fn format(self: TimerRef, w: *std.Io.Writer) std.Io.Writer.Error!void {
        try w.print("#Timer<0.{d}>", .{self.raw()});
    }
};

test "pids print like Erlang and are plain numbers in JSON" {
    var buf: [64]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buf);
    try w.print("{f} {f}", .{ Pid.fromRaw(7).?, @as(MonitorRef, @fromBackingInt(3)) });
    try std.testing.expectEqualStrings("<0.7> #Ref<0.3>", w.buffered());
    try std.testing.expectEqual(null, Pid.fromRaw(0));
    const text = try std.json.Stringify.valueAlloc(std.testing.allocator, .{ .from = Pid.fromRaw(12).? }, .{});
    defer std.testing.allocator.free(text);
    try std.testing.expectEqualStrings("{\"from\":12}", text);
    const T = struct { from: Pid };
    const parsed = try std.json.parseFromSlice(T, std.testing.allocator, "{\"from\": 5}", .{});
    defer parsed.deinit();
    try std.testing.expectEqual(Pid.fromRaw(5).?, parsed.value.from);
    try std.testing.expectError(error.UnexpectedToken, std.json.parseFromSlice(T, std.testing.allocator, "{\"from\": -1}", .{}));
}
