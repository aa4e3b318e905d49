//! Messages: sending, and selective receive over the mailbox (guest-sdk/ABI.md §4).

const std = @import("std");
const heap = @import("heap.zig");
const sys = @import("sys.zig");
const errors = @import("error.zig");
const ids = @import("pid.zig");
const ExitReason = @import("reason.zig").ExitReason;

const Pid = ids.Pid;
const MonitorRef = ids.MonitorRef;

/// How long a receive waits for a matching message: Erlang's `after` clause.
pub const Timeout = union(enum) {
    /// Only look at what is already queued (`after 0`).
    now,
    /// Wait at most this many milliseconds.
    after: u64,
    /// Wait forever.
    infinity,

    /// From the ABI's convention: a negative value waits forever, 0 does not wait.
    pub fn ms(value: i64) Timeout {
        if (value < 0) return .infinity;
        if (value == 0) return .now;
        return .{ .after = @intCast(value) };
    }
};

/// A message looked at in (or taken from) the mailbox. Its slices point into the SDK's
/// receive buffer and stay valid until the next receive: copy what you keep.
pub const Message = union(enum) {
    /// A message sent with `send`, `sendNamed` or a timer.
    user: User,
    /// An exit signal from a linked process, received because this process traps exits.
    exit: Exit,
    /// A monitor this process created fired.
    down: Down,
    /// A node connected (`monitorNodes`): its name.
    nodeup: []const u8,
    /// A node disconnected, or a monitored node is not connected (`monitorNode`,
    /// `monitorNodes`): its name.
    nodedown: []const u8,

    pub const User = struct {
        /// The sender; `null` when it came from outside the node (the HTTP API, the CLI).
        from: ?Pid,
        /// The bytes exactly as sent.
        data: []const u8,
    };

    pub const Exit = struct {
        /// The process whose exit signal this is.
        from: ?Pid,
        reason: ExitReason,
    };

    pub const Down = struct {
        monitor: MonitorRef,
        /// The monitored process.
        pid: Pid,
        /// Its exit reason (`noproc` if it was already dead).
        reason: ExitReason,
    };

    /// A message from what `recv` (or `hatchery_handle`) reports; `null` for an unknown
    /// kind or a `DOWN` too short to hold its reference.
    pub fn fromRaw(kind: u32, from: i64, bytes: []const u8) ?Message {
        return switch (kind) {
            sys.KIND_USER => .{ .user = .{ .from = Pid.fromRaw(from), .data = bytes } },
            sys.KIND_EXIT => .{ .exit = .{ .from = Pid.fromRaw(from), .reason = ExitReason.decode(bytes) } },
            sys.KIND_DOWN => if (bytes.len < 8) null else .{ .down = .{
                .monitor = @fromBackingInt(std.mem.readInt(i64, bytes[0..8], .little)),
                .pid = @fromBackingInt(from),
                .reason = ExitReason.decode(bytes[8..]),
            } },
            sys.KIND_NODEUP => .{ .nodeup = bytes },
            sys.KIND_NODEDOWN => .{ .nodedown = bytes },
            else => null,
        };
    }

    /// The sender: the sending process, the exited process, or the monitored process;
    /// `null` for node messages, which come from the node itself.
    pub fn sender(self: Message) ?Pid {
        return switch (self) {
            .user => |u| u.from,
            .exit => |e| e.from,
            .down => |d| d.pid,
            .nodeup, .nodedown => null,
        };
    }
};

/// Sends raw bytes to the process registered as `name`.
/// Errors: `NotRegistered`, `BadName`, `TooBig`.
pub fn sendNamed(name: []const u8, bytes: []const u8) errors.Error!void {
    _ = try errors.check(sys.send_named(sys.ptr(name), name.len, sys.ptr(bytes), bytes.len));
}

/// Sends raw bytes to the process registered as `name` on the node called `node` (Erlang's
/// `{Name, Node} ! Msg`). On this node's own name it is `sendNamed`; on another node it
/// succeeds also when nobody there has the name or the node is not connected (the message
/// is dropped there). Errors: `NotRegistered` (this node only), `BadName`, `TooBig`.
pub fn sendNamedAt(name: []const u8, node: []const u8, bytes: []const u8) errors.Error!void {
    _ = try errors.check(sys.send_named_at(sys.ptr(name), name.len, sys.ptr(node), node.len, sys.ptr(bytes), bytes.len));
}

/// The number of messages queued in this process's mailbox.
pub fn mailboxLen() usize {
    return @intCast(@max(0, sys.mailbox_len()));
}

/// The receive buffer, reused across receives so that looking at small messages does not
/// allocate. It grows to the biggest message seen; one grown past `keep_at_most` is given
/// back at the start of the next receive (whose results no longer point into it).
const Buffer = struct {
    bytes: []u8 = &.{},
    allocator: std.mem.Allocator,

    const initial = 1024;
    const keep_at_most = 1 << 20;

    fn prepare(self: *Buffer) void {
        if (self.bytes.len > keep_at_most) self.release();
        if (self.bytes.len < initial) self.ensure(initial);
    }

    fn ensure(self: *Buffer, size: usize) void {
        if (self.bytes.len >= size) return;
        self.release();
        // Without memory for the message the receive cannot go on; the trap that follows
        // a failed memory.grow is reported by the host as `limit: memory`.
        self.bytes = self.allocator.alloc(u8, size) catch @panic("hatchery: no memory for a received message");
    }

    fn release(self: *Buffer) void {
        if (self.bytes.len > 0) self.allocator.free(self.bytes);
        self.bytes = &.{};
    }
};

var recv_buffer: Buffer = .{ .allocator = heap.allocator };

/// This process's mailbox, through the `hatchery_v1` imports.
const HostMailbox = struct {
    fn recv(_: HostMailbox, index: i32, timeout_ms: i64, buf: []u8, info: *sys.RecvInfo) i32 {
        return sys.recv(index, timeout_ms, sys.ptrMut(buf), buf.len, info);
    }
    fn take(_: HostMailbox, index: i32) void {
        _ = sys.take(index);
    }
    fn nowMs(_: HostMailbox) i64 {
        return sys.now_ms();
    }
};

/// What `receiveMatch` returns for a matcher of type `M`: the (optional) return type of
/// its `match` method.
pub fn MatchResult(comptime M: type) type {
    const T = switch (@typeInfo(M)) {
        .pointer => |p| p.child,
        else => M,
    };
    const R = @typeInfo(@TypeOf(T.match)).@"fn".return_type.?;
    if (@typeInfo(R) != .optional) @compileError("match must return an optional (null: not this message)");
    return R;
}

/// Selective receive: waits for the oldest message for which `matcher.match(message)`
/// returns non-null, removes it from the mailbox and returns what `match` returned.
/// Messages it returns `null` for stay queued, in order. Returns `null` when nothing
/// matched before the timeout (Erlang's `after` branch).
///
/// `matcher` is any value (or pointer) with a method `fn match(self, Message) ?T`. It may
/// be called more than once for the same message (once per receive that looks at it).
/// Slices in what it returns may point into the message: they stay valid until the next
/// receive.
///
/// ```
/// const Stop = struct {
///     pub fn match(_: @This(), m: hatchery.Message) ?void {
///         if (m == .user and std.mem.eql(u8, m.user.data, "stop")) return {};
///         return null;
///     }
/// };
/// if (hatchery.receiveMatch(hatchery.Timeout.ms(5000), Stop{})) |_| return;
/// ```
pub fn receiveMatch(timeout: Timeout, matcher: anytype) MatchResult(@TypeOf(matcher)) {
    return receiveIn(HostMailbox{}, &recv_buffer, timeout, matcher);
}

/// Receives the oldest message of any kind, waiting at most `timeout`.
pub fn receive(timeout: Timeout) ?Message {
    return receiveMatch(timeout, struct {
        pub fn match(_: @This(), m: Message) ?Message {
            return m;
        }
    }{});
}

/// The loop of ABI.md §4 over any mailbox: scan by index, wait with the time that is left,
/// grow the buffer when a message is bigger, take on a match.
fn receiveIn(mailbox: anytype, buf: *Buffer, timeout: Timeout, matcher: anytype) MatchResult(@TypeOf(matcher)) {
    buf.prepare();
    const deadline: i64 = switch (timeout) {
        .after => |ms| mailbox.nowMs() +| @as(i64, @intCast(@min(ms, std.math.maxInt(i64)))),
        .now, .infinity => 0,
    };
    var index: i32 = 0;
    while (true) : (index +|= 1) {
        const wait: i64 = switch (timeout) {
            .now => 0,
            .infinity => -1,
            .after => @max(0, deadline -| mailbox.nowMs()),
        };
        var info: sys.RecvInfo = .{};
        var size = mailbox.recv(index, wait, buf.bytes, &info);
        // ERR_TIMEOUT is the `after` branch; any other code means the mailbox cannot be
        // read at this index, which ends the receive the same way.
        if (size < 0) return null;
        if (@as(usize, @intCast(size)) > buf.bytes.len) {
            buf.ensure(@intCast(size));
            // The message is still at `index`: only this process removes messages.
            size = mailbox.recv(index, 0, buf.bytes, &info);
            if (size < 0) return null;
        }
        const bytes = buf.bytes[0..@min(@as(usize, @intCast(size)), buf.bytes.len)];
        const message = Message.fromRaw(info.kind, info.sender, bytes) orelse continue;
        if (matcher.match(message)) |result| {
            mailbox.take(index);
            return result;
        }
    }
}

const testing = std.testing;

/// A mailbox held in memory. `recv` past the end "waits" by moving the clock by the whole
/// timeout, then delivers the next of `arriving`, if any.
const FakeMailbox = struct {
    const Entry = struct { kind: u32, sender: i64, bytes: []const u8 };
    queue: std.ArrayList(Entry) = .empty,
    arriving: []const Entry = &.{},
    clock: i64 = 0,
    recv_calls: usize = 0,

    fn recv(self: *FakeMailbox, index: i32, timeout_ms: i64, buf: []u8, info: *sys.RecvInfo) i32 {
        self.recv_calls += 1;
        const i: usize = @intCast(index);
        if (i >= self.queue.items.len) {
            if (timeout_ms == 0 or self.arriving.len == 0) {
                self.clock += @max(0, timeout_ms);
                return sys.ERR_TIMEOUT;
            }
            self.clock += 1;
            self.queue.append(testing.allocator, self.arriving[0]) catch unreachable;
            self.arriving = self.arriving[1..];
        }
        const e = self.queue.items[i];
        const n = @min(e.bytes.len, buf.len);
        @memcpy(buf[0..n], e.bytes[0..n]);
        info.* = .{ .kind = e.kind, .sender = e.sender };
        return @intCast(e.bytes.len);
    }
    fn take(self: *FakeMailbox, index: i32) void {
        _ = self.queue.orderedRemove(@intCast(index));
    }
    fn nowMs(self: *FakeMailbox) i64 {
        return self.clock;
    }
};

const Text = struct {
    want: []const u8,
    pub fn match(self: Text, m: Message) ?i64 {
        if (m == .user and std.mem.eql(u8, m.user.data, self.want)) return m.user.from.?.raw();
        return null;
    }
};

test "takes the first match and keeps the rest in order" {
    var mb: FakeMailbox = .{};
    defer mb.queue.deinit(testing.allocator);
    try mb.queue.appendSlice(testing.allocator, &.{
        .{ .kind = 0, .sender = 1, .bytes = "a" },
        .{ .kind = 0, .sender = 2, .bytes = "b" },
        .{ .kind = 2, .sender = 3, .bytes = "short" },
        .{ .kind = 0, .sender = 4, .bytes = "b" },
    });
    var buf: Buffer = .{ .allocator = testing.allocator };
    defer buf.release();
    try testing.expectEqual(@as(?i64, 2), receiveIn(&mb, &buf, .now, Text{ .want = "b" }));
    try testing.expectEqual(@as(usize, 3), mb.queue.items.len);
    try testing.expectEqualStrings("a", mb.queue.items[0].bytes);
    try testing.expectEqual(@as(?i64, null), receiveIn(&mb, &buf, .{ .after = 50 }, Text{ .want = "zz" }));
    try testing.expectEqual(@as(i64, 50), mb.clock);
}

test "waits for a later message and grows the buffer for a big one" {
    const big: [5000]u8 = @splat(7);
    var mb: FakeMailbox = .{ .arriving = &.{ .{ .kind = 0, .sender = 2, .bytes = "noise" }, .{ .kind = 0, .sender = 3, .bytes = &big } } };
    defer mb.queue.deinit(testing.allocator);
    var buf: Buffer = .{ .allocator = testing.allocator };
    defer buf.release();
    try testing.expectEqual(@as(?i64, 3), receiveIn(&mb, &buf, .infinity, Text{ .want = &big }));
    try testing.expect(buf.bytes.len >= 5000);
    try testing.expectEqual(@as(usize, 1), mb.queue.items.len);
}

test "decodes exit and down messages" {
    const down = [_]u8{ 77, 0, 0, 0, 0, 0, 0, 0, 1 };
    const m = Message.fromRaw(sys.KIND_DOWN, 5, &down).?;
    try testing.expectEqual(@as(i64, 77), m.down.monitor.raw());
    try testing.expectEqual(ExitReason.killed, m.down.reason);
    try testing.expectEqualStrings("boom", Message.fromRaw(sys.KIND_EXIT, 4, "\x07boom").?.exit.reason.custom);
    try testing.expectEqualStrings("b", Message.fromRaw(sys.KIND_NODEDOWN, 0, "b").?.nodedown);
    try testing.expectEqualStrings("c", Message.fromRaw(sys.KIND_NODEUP, 0, "c").?.nodeup);
    try testing.expectEqual(@as(?Pid, null), Message.fromRaw(sys.KIND_NODEUP, 0, "c").?.sender());
    try testing.expectEqual(@as(?Message, null), Message.fromRaw(9, 1, ""));
    try testing.expectEqual(Timeout.infinity, Timeout.ms(-1));
    try testing.expectEqual(Timeout.now, Timeout.ms(0));
}
