//! The client side of the gen_server protocol (guest-sdk/ABI.md, "Calls and casts"):
//! `call`, `cast`, and `reply` for a server that answers later.
//!
//! On the wire a call is `{"$call": {"ref": R, "req": REQ}}`, its reply
//! `{"$reply": {"ref": R, "value": V}}`, a cast `{"$cast": M}`: JSON, so a client in any
//! language (or the CLI, or the HTTP API) can speak to a server in any other.

const std = @import("std");
const heap = @import("heap.zig");
const errors = @import("error.zig");
const ids = @import("pid.zig");
const json = @import("json.zig");
const mailbox = @import("mailbox.zig");
const process = @import("process.zig");
const ExitReason = @import("reason.zig").ExitReason;

const Pid = ids.Pid;
const MonitorRef = ids.MonitorRef;
const Message = mailbox.Message;

/// What can stop a call, cast or reply from being sent: `TooBig` (over the node's message
/// size), `NotRegistered` (a call or cast by name), or no memory to encode it.
pub const SendError = errors.Error || error{OutOfMemory};

/// Who made a call, for `reply`.
pub const From = struct {
    /// The caller; `null` when the call came from outside the node (its reply is dropped).
    pid: ?Pid,
    /// The call's reference, echoed in the reply.
    ref: u64,
};

/// How a call ended.
pub const CallOutcome = union(enum) {
    /// The server's reply value (in the arena passed to `call`).
    reply: std.json.Value,
    /// No reply within the timeout. A reply that comes later stays in the mailbox (it is
    /// never taken for another call's).
    timeout,
    /// The server ended (or was not alive: `noproc`) before replying; its reason (in the
    /// arena passed to `call`).
    exit: ExitReason,
};

/// Sends `request` (anything `std.json.Stringify` takes: numbers, strings, structs,
/// `std.json.Value`, `hatchery.json.Raw`) to `server` and waits for its reply, at most
/// `timeout`. The call monitors the server, so a server that is dead or dies first ends it
/// at once, and the monitor reference tags the request, so only this call's reply is taken.
/// Everything else stays queued. The reply value is allocated in `arena`.
///
/// ```
/// switch (try hatchery.call(arena, counter, "get", hatchery.Timeout.ms(1000))) {
///     .reply => |v| hatchery.print("count = {f}\n", .{std.json.fmt(v, .{})}),
///     .timeout => hatchery.print("no answer\n", .{}),
///     .exit => |why| hatchery.print("counter is gone: {f}\n", .{why}),
/// }
/// ```
pub fn call(arena: std.mem.Allocator, server: Pid, request: anytype, timeout: mailbox.Timeout) SendError!CallOutcome {
    const mref = process.monitor(server);
    errdefer process.demonitor(mref, .{ .flush = true }) catch {};
    const bytes = try json.encode(.{ .@"$call" = .{ .ref = mref.raw(), .req = request } });
    try server.send(bytes);
    const got = mailbox.receiveMatch(timeout, ReplyOrDown{ .ref = @bitCast(mref.raw()), .mref = mref }) orelse {
        process.demonitor(mref, .{ .flush = true }) catch {};
        return .timeout;
    };
    switch (got) {
        .reply => |message| {
            process.demonitor(mref, .{ .flush = true }) catch {};
            // It parsed when it matched; this copy lives in the caller's arena.
            const envelope = try json.parse(arena, message) orelse return .{ .reply = .null };
            const value = json.get(json.get(envelope, "$reply") orelse .null, "value");
            return .{ .reply = value orelse .null };
        },
        .down => |reason| return .{ .exit = try reason.dupe(arena) },
    }
}

/// `call` to the process registered as `name`. Errors: `NotRegistered` when the name is free.
pub fn callNamed(arena: std.mem.Allocator, name: []const u8, request: anytype, timeout: mailbox.Timeout) SendError!CallOutcome {
    const server = process.whereis(name) orelse return error.NotRegistered;
    return call(arena, server, request, timeout);
}

/// Sends an asynchronous request; never waits, and (like any send) does not say whether
/// it arrived.
pub fn cast(server: Pid, message: anytype) SendError!void {
    try server.send(try json.encode(.{ .@"$cast" = message }));
}

/// `cast` to the process registered as `name`. Errors: `NotRegistered`, `BadName`.
pub fn castNamed(name: []const u8, message: anytype) SendError!void {
    try mailbox.sendNamed(name, try json.encode(.{ .@"$cast" = message }));
}

/// Replies to a call, from any process that holds its `From`: for a server that answers a
/// call later (`handleCall` without replying, then `reply` when the answer is ready).
pub fn reply(from: From, value: anytype) SendError!void {
    const pid = from.pid orelse return;
    try pid.send(try json.encode(.{ .@"$reply" = .{ .ref = from.ref, .value = value } }));
}

/// The messages a call waits for: the reply with its reference, or the `DOWN` of its
/// monitor.
const ReplyOrDown = struct {
    ref: u64,
    mref: MonitorRef,

    const Got = union(enum) { reply: []const u8, down: ExitReason };

    pub fn match(self: ReplyOrDown, m: Message) ?Got {
        switch (m) {
            .user => |u| {
                _ = scratch.reset(.{ .retain_with_limit = 64 << 10 });
                const parsed = json.parse(scratch.allocator(), u.data) catch
                    @panic("hatchery: no memory to read a message");
                const envelope = json.get(parsed orelse return null, "$reply") orelse return null;
                if (json.asU64(json.get(envelope, "ref")) != self.ref) return null;
                return .{ .reply = u.data };
            },
            .down => |d| return if (d.monitor == self.mref) .{ .down = d.reason } else null,
            .exit, .nodeup, .nodedown => return null,
        }
    }
};

/// Memory for looking at candidate replies, reset for each one.
var scratch: std.heap.ArenaAllocator = .init(heap.allocator);
