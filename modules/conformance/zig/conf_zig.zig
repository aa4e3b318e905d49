//! `conf_zig`: the conformance suite's command interpreter, written with the Zig SDK
//! (modules/conformance/PROTOCOL.md). It mirrors modules/conformance/rust/src/main.rs.

const std = @import("std");
const hatchery = @import("hatchery");
const protocol = @import("protocol.zig");

const sys = hatchery.sys;
const Pid = hatchery.Pid;
const Message = hatchery.Message;
const Command = protocol.Command;

pub const panic = hatchery.panic;

/// The oldest user message whose first byte is the command magic.
const NextCommand = struct {
    pub fn match(_: NextCommand, m: Message) ?Message.User {
        if (m == .user and m.user.data.len > 0 and m.user.data[0] == protocol.magic) return m.user;
        return null;
    }
};

export fn hatchery_main() void {
    var arena: std.heap.ArenaAllocator = .init(hatchery.allocator);
    var command: std.ArrayList(u8) = .empty;
    while (true) {
        const got = hatchery.receiveMatch(.infinity, NextCommand{}) orelse continue;
        // A copy: commands that receive reuse the buffer the command was received into.
        command.clearRetainingCapacity();
        command.appendSlice(hatchery.allocator, got.data) catch @panic("conf_zig: no memory for a command");
        _ = arena.reset(.{ .retain_with_limit = 1 << 20 });
        const a = arena.allocator();
        if (Command.parse(command.items)) |cmd| {
            run(a, got.from, cmd);
        } else {
            const op = if (command.items.len > 1) command.items[1] else 0;
            protocol.reply(a, got.from, op, sys.ERR_BAD_ARG, 0, 0, "");
        }
    }
}

/// The ABI code of an SDK result: 0, or its error's code.
fn code(result: anytype) i64 {
    if (result) |_| return 0 else |err| return hatchery.errorCode(err);
}

fn pidOf(raw: i64) Pid {
    return @fromBackingInt(raw);
}

fn rawOf(pid: ?Pid) i64 {
    return if (pid) |p| p.raw() else 0;
}

/// A reason in ABI form from a kind and a detail.
fn reasonOf(arena: std.mem.Allocator, kind: i64, detail: []const u8) hatchery.ExitReason {
    const bytes = std.mem.concat(arena, u8, &.{ &.{@as(u8, @truncate(@as(u64, @bitCast(kind))))}, detail }) catch
        @panic("conf_zig: no memory");
    return hatchery.ExitReason.decode(bytes);
}

fn run(arena: std.mem.Allocator, from: ?Pid, cmd: Command) void {
    const op = cmd.op;
    const a = cmd.a;
    const b = cmd.b;
    const r: i64 = switch (op) {
        1 => hatchery.self().raw(),
        2 => rawOf(hatchery.parent()),
        3 => {
            const bytes = hatchery.args(arena) catch @panic("conf_zig: no memory for args");
            return protocol.reply(arena, from, op, 0, 0, 0, bytes);
        },
        4 => blk: {
            const opts: hatchery.SpawnOptions = .{ .link = a & 1 != 0, .monitor = a & 2 != 0 };
            const child = hatchery.spawnOpts(cmd.s1, cmd.s2, opts) catch |err| break :blk hatchery.errorCode(err);
            const m: i64 = if (child.monitor) |ref| ref.raw() else 0;
            return protocol.reply(arena, from, op, child.pid.raw(), m, 0, "");
        },
        5 => code(pidOf(a).send(cmd.s1)),
        6 => code(hatchery.sendNamed(cmd.s1, cmd.s2)),
        7 => return rawRecv(arena, from, op, @truncate(a), b),
        8 => sys.take(@truncate(a)),
        9 => @intCast(hatchery.mailboxLen()),
        10 => code(hatchery.link(pidOf(a))),
        11 => blk: {
            hatchery.unlink(pidOf(a));
            break :blk 0;
        },
        12 => @intFromBool(hatchery.trapExit(a != 0)),
        13 => hatchery.exit(reasonOf(arena, a, cmd.s1)),
        14 => code(hatchery.exitSignal(pidOf(a), reasonOf(arena, b, cmd.s1))),
        15 => hatchery.monitor(pidOf(a)).raw(),
        16 => code(hatchery.demonitor(@fromBackingInt(a), .{ .flush = b & 1 != 0 })),
        17 => code(hatchery.register(cmd.s1, pidOf(a))),
        18 => code(hatchery.unregister(cmd.s1)),
        19 => rawOf(hatchery.whereis(cmd.s1)),
        20 => if (hatchery.sendAfter(pidOf(a), @intCast(@max(0, b)), cmd.s1)) |t| t.raw() else |err| hatchery.errorCode(err),
        21 => if (hatchery.cancelTimer(@fromBackingInt(a))) |left| @intCast(left) else sys.ERR_NOT_FOUND,
        22 => hatchery.makeRef(),
        23 => hatchery.nowMs(),
        24 => return selectiveReceive(arena, from, op, a, b, cmd.s1),
        25 => return call(arena, from, op, a, b, cmd.s1),
        26 => blk: {
            // As the Rust guest: a message that is not JSON is cast as `null`.
            const message = (hatchery.json.parse(arena, cmd.s1) catch null) orelse .null;
            break :blk code(hatchery.cast(pidOf(a), message));
        },
        27 => blk: {
            const outside: [*]const u8 = @ptrFromInt(0x7fff_0000);
            _ = sys.send(hatchery.self().raw(), outside, 64);
            break :blk 0;
        },
        28 => @panic("conf_zig: crash requested"),
        29 => blk: {
            hatchery.print("{s}\n", .{cmd.s1});
            break :blk 0;
        },
        30 => blk: {
            // `s1` is the name then the node; `a` is the name's length.
            if (a < 0 or a > cmd.s1.len) break :blk sys.ERR_BAD_ARG;
            const at: usize = @intCast(a);
            break :blk code(hatchery.sendNamedAt(cmd.s1[0..at], cmd.s1[at..], cmd.s2));
        },
        31 => {
            const name = hatchery.node(arena) catch @panic("conf_zig: no memory for the node name");
            return protocol.reply(arena, from, op, @intCast(name.len), 0, 0, name);
        },
        32 => {
            const names = hatchery.nodes(arena) catch @panic("conf_zig: no memory for the nodes");
            var list: std.ArrayList(u8) = .empty;
            for (names) |name| {
                list.appendSlice(arena, name) catch @panic("conf_zig: no memory");
                list.append(arena, '\n') catch @panic("conf_zig: no memory");
            }
            return protocol.reply(arena, from, op, @intCast(list.items.len), 0, 0, list.items);
        },
        33 => {
            const name = hatchery.pidNode(arena, pidOf(a)) catch @panic("conf_zig: no memory for the node name");
            return protocol.reply(arena, from, op, @intCast(name.len), 0, 0, name);
        },
        34 => if (a == 0 or a == 1) code(hatchery.monitorNode(cmd.s1, a == 1)) else sys.ERR_BAD_ARG,
        35 => blk: {
            if (a != 0 and a != 1) break :blk sys.ERR_BAD_ARG;
            hatchery.monitorNodes(a == 1);
            break :blk 0;
        },
        36 => {
            // `s1` is the node then the module; `a` is the node's length.
            if (a < 0 or a > cmd.s1.len) return protocol.reply(arena, from, op, sys.ERR_BAD_ARG, 0, 0, "");
            const at: usize = @intCast(a);
            const opts: hatchery.SpawnOptions = .{ .link = b & 1 != 0, .monitor = b & 2 != 0 };
            const child = hatchery.spawnAt(cmd.s1[0..at], cmd.s1[at..], cmd.s2, opts) catch |err|
                return protocol.reply(arena, from, op, hatchery.errorCode(err), 0, 0, "");
            const m: i64 = if (child.monitor) |ref| ref.raw() else 0;
            return protocol.reply(arena, from, op, child.pid.raw(), m, 0, "");
        },
        37 => {
            const text = std.fmt.allocPrint(arena, "{f}", .{pidOf(a)}) catch @panic("conf_zig: no memory");
            return protocol.reply(arena, from, op, @intCast(text.len), 0, 0, text);
        },
        else => sys.ERR_BAD_ARG,
    };
    protocol.reply(arena, from, op, r, 0, 0, "");
}

/// One raw `recv`: the message stays queued.
fn rawRecv(arena: std.mem.Allocator, from: ?Pid, op: u8, index: i32, timeout_ms: i64) void {
    var buf = arena.alloc(u8, 256) catch @panic("conf_zig: no memory");
    var info: sys.RecvInfo = .{};
    var n = sys.recv(index, timeout_ms, buf.ptr, buf.len, &info);
    if (n > buf.len) {
        buf = arena.alloc(u8, @intCast(n)) catch @panic("conf_zig: no memory for a message");
        n = sys.recv(index, 0, buf.ptr, buf.len, &info);
    }
    const data = if (n >= 0) buf[0..@min(@as(usize, @intCast(n)), buf.len)] else "";
    protocol.reply(arena, from, op, n, info.kind, info.sender, data);
}

/// What the protocol's `receive` reports about the message it took.
const Taken = struct { kind: u32, sender: i64, bytes: []const u8 };

/// The protocol's filter: commands excepted, messages of `kind` (-1: any) whose bytes, for
/// a user message, start with `prefix`.
const Selective = struct {
    kind: i64,
    prefix: []const u8,
    arena: std.mem.Allocator,

    pub fn match(self: Selective, m: Message) ?Taken {
        const k: u32 = switch (m) {
            .user => sys.KIND_USER,
            .exit => sys.KIND_EXIT,
            .down => sys.KIND_DOWN,
            .nodeup => sys.KIND_NODEUP,
            .nodedown => sys.KIND_NODEDOWN,
        };
        if (self.kind >= 0 and self.kind != k) return null;
        switch (m) {
            .user => |u| {
                if (u.data.len > 0 and u.data[0] == protocol.magic) return null;
                if (!std.mem.startsWith(u8, u.data, self.prefix)) return null;
                return .{ .kind = k, .sender = rawOf(u.from), .bytes = u.data };
            },
            .exit => |e| return .{ .kind = k, .sender = rawOf(e.from), .bytes = self.encode(null, e.reason) },
            .down => |d| return .{ .kind = k, .sender = d.pid.raw(), .bytes = self.encode(d.monitor, d.reason) },
            .nodeup, .nodedown => |name| return .{ .kind = k, .sender = 0, .bytes = name },
        }
    }

    /// The message's bytes in ABI form, from its decoded parts (as the Rust guest does).
    fn encode(self: Selective, monitor: ?hatchery.MonitorRef, reason: hatchery.ExitReason) []const u8 {
        var w: std.Io.Writer.Allocating = .init(self.arena);
        if (monitor) |ref| w.writer.writeInt(i64, ref.raw(), .little) catch @panic("conf_zig: no memory");
        reason.encode(&w.writer) catch @panic("conf_zig: no memory");
        return w.written();
    }
};

fn selectiveReceive(arena: std.mem.Allocator, from: ?Pid, op: u8, kind: i64, ms: i64, prefix: []const u8) void {
    const filter: Selective = .{ .kind = kind, .prefix = prefix, .arena = arena };
    if (hatchery.receiveMatch(hatchery.Timeout.ms(ms), filter)) |t| {
        protocol.reply(arena, from, op, 0, t.kind, t.sender, t.bytes);
    } else {
        protocol.reply(arena, from, op, sys.ERR_TIMEOUT, 0, 0, "");
    }
}

/// The SDK's gen_server call, with its three outcomes in the protocol's codes.
fn call(arena: std.mem.Allocator, from: ?Pid, op: u8, server: i64, ms: i64, request_json: []const u8) void {
    const request = (hatchery.json.parse(arena, request_json) catch null) orelse
        return protocol.reply(arena, from, op, sys.ERR_BAD_ARG, 0, 0, "");
    const outcome = hatchery.call(arena, pidOf(server), request, hatchery.Timeout.ms(ms)) catch
        return protocol.reply(arena, from, op, sys.ERR_BAD_ARG, 0, 0, "");
    switch (outcome) {
        .reply => |value| {
            const text = std.json.Stringify.valueAlloc(arena, value, .{}) catch @panic("conf_zig: no memory");
            protocol.reply(arena, from, op, 0, 0, 0, text);
        },
        .timeout => protocol.reply(arena, from, op, sys.ERR_TIMEOUT, 0, 0, ""),
        .exit => |reason| {
            const bytes = reason.encodeAlloc(arena) catch @panic("conf_zig: no memory");
            protocol.reply(arena, from, op, sys.ERR_NOPROC, 0, 0, bytes);
        },
    }
}
