//! The calling process: identity, arguments, spawning, links, exit signals, monitors,
//! registered names, timers and module versions (guest-sdk/ABI.md §5).

const std = @import("std");
const sys = @import("sys.zig");
const errors = @import("error.zig");
const ids = @import("pid.zig");
const ExitReason = @import("reason.zig").ExitReason;

const Error = errors.Error;
const check = errors.check;
const check64 = errors.check64;
const Pid = ids.Pid;
const MonitorRef = ids.MonitorRef;
const TimerRef = ids.TimerRef;

/// The calling process's pid.
pub fn self() Pid {
    return @fromBackingInt(sys.self());
}

/// The process that spawned this one (a supervisor, for a supervised child); `null` when
/// it was started from outside (the node, the CLI).
pub fn parent() ?Pid {
    return Pid.fromRaw(sys.parent());
}

/// The argument bytes this process was spawned with, in memory from `allocator`.
pub fn args(allocator: std.mem.Allocator) error{OutOfMemory}![]u8 {
    const size: usize = @intCast(@max(0, sys.args_size()));
    const buf = try allocator.alloc(u8, size);
    const copied: usize = @intCast(@max(0, sys.args_read(sys.ptrMut(buf), buf.len)));
    return buf[0..@min(copied, size)];
}

/// The spawn arguments decoded as JSON into `T` (strings allocated in `arena`). Empty (or
/// all white space) arguments read as `null`, so an optional `T` takes them.
pub fn argsJson(comptime T: type, arena: std.mem.Allocator) !T {
    const bytes = try args(arena);
    const text = if (std.mem.trim(u8, bytes, " \t\r\n").len == 0) "null" else bytes;
    return std.json.parseFromSliceLeaky(T, arena, text, .{ .ignore_unknown_fields = true, .allocate = .alloc_always });
}

/// A reference unique within the node.
pub fn makeRef() i64 {
    return sys.make_ref();
}

/// Milliseconds on the node's monotonic clock.
pub fn nowMs() i64 {
    return sys.now_ms();
}

/// This node's name in its cluster (`nonode` for a node alone, as Erlang's `node()`), in
/// memory from `allocator`.
pub fn node(allocator: std.mem.Allocator) error{OutOfMemory}![]u8 {
    var small: [64]u8 = undefined;
    const size: usize = @intCast(@max(0, sys.node_name(&small, small.len)));
    const buf = try allocator.alloc(u8, size);
    if (size <= small.len) {
        @memcpy(buf, small[0..size]);
    } else {
        _ = sys.node_name(sys.ptrMut(buf), buf.len);
    }
    return buf;
}

/// How `spawnOpts` ties the child to the caller.
pub const SpawnOptions = struct {
    /// Link the caller and the child (spawn_link).
    link: bool = false,
    /// Monitor the child (spawn_monitor).
    monitor: bool = false,
};

/// A spawned child, and its monitor when asked for.
pub const Spawned = struct { pid: Pid, monitor: ?MonitorRef };

/// Starts the module `module` with the argument bytes `arguments`. The link or monitor
/// exists before the child runs. A child that cannot start still gets a pid and ends at once
/// with reason `undef`. Errors: `Limit` (process cap), `BadName`, `BadArg`.
pub fn spawnOpts(module: []const u8, arguments: []const u8, options: SpawnOptions) Error!Spawned {
    var flags: i32 = 0;
    if (options.link) flags |= sys.SPAWN_LINK;
    if (options.monitor) flags |= sys.SPAWN_MONITOR;
    var reference: i64 = 0;
    const pid = try check64(sys.spawn(sys.ptr(module), module.len, sys.ptr(arguments), arguments.len, flags, &reference));
    return .{
        .pid = @fromBackingInt(pid),
        .monitor = if (options.monitor) @as(MonitorRef, @fromBackingInt(reference)) else null,
    };
}

/// `spawnOpts` on the node of the cluster called `node` (Erlang's `spawn(Node, ...)`,
/// `spawn_link` and `spawn_monitor` with a node); this node's own name spawns here. Waits
/// for the other node's answer. Errors: `NoProc` (no node of that name is connected),
/// `Limit`, `BadName` (either name), `BadArg`.
pub fn spawnAt(node_name: []const u8, module: []const u8, arguments: []const u8, options: SpawnOptions) Error!Spawned {
    var flags: i32 = 0;
    if (options.link) flags |= sys.SPAWN_LINK;
    if (options.monitor) flags |= sys.SPAWN_MONITOR;
    var reference: i64 = 0;
    const pid = try check64(sys.spawn_at(sys.ptr(node_name), node_name.len, sys.ptr(module), module.len, sys.ptr(arguments), arguments.len, flags, &reference));
    return .{
        .pid = @fromBackingInt(pid),
        .monitor = if (options.monitor) @as(MonitorRef, @fromBackingInt(reference)) else null,
    };
}

/// The names of the other nodes connected now (Erlang's `nodes()`), in the order they
/// connected: empty for a node alone. The list and its names are in memory from
/// `allocator`.
pub fn nodes(allocator: std.mem.Allocator) error{OutOfMemory}![][]u8 {
    var text: []u8 = try allocator.alloc(u8, 256);
    defer allocator.free(text);
    // The list can grow between two calls (a node connects): ask until it fits.
    var size: usize = @intCast(@max(0, sys.nodes(sys.ptrMut(text), text.len)));
    while (size > text.len) {
        text = try allocator.realloc(text, size);
        size = @intCast(@max(0, sys.nodes(sys.ptrMut(text), text.len)));
    }
    var names: std.ArrayList([]u8) = .empty;
    errdefer {
        for (names.items) |n| allocator.free(n);
        names.deinit(allocator);
    }
    var lines = std.mem.splitScalar(u8, text[0..size], '\n');
    while (lines.next()) |name| {
        if (name.len == 0) continue;
        try names.append(allocator, try allocator.dupe(u8, name));
    }
    return names.toOwnedSlice(allocator);
}

/// The name of the node `pid` belongs to (Erlang's `node(Pid)`): this node's name for its
/// own pids. In memory from `allocator`.
pub fn pidNode(allocator: std.mem.Allocator, pid: Pid) error{OutOfMemory}![]u8 {
    var small: [256]u8 = undefined;
    const size: usize = @intCast(@max(0, sys.pid_node(pid.raw(), &small, small.len)));
    const buf = try allocator.alloc(u8, size);
    if (size <= small.len) {
        @memcpy(buf, small[0..size]);
    } else {
        _ = sys.pid_node(pid.raw(), sys.ptrMut(buf), buf.len);
    }
    return buf;
}

/// Erlang's `monitor_node(Node, Flag)`. On: one `nodedown` message when the node
/// disconnects, at once when it is not connected now (this node's own name never fires);
/// each call adds one. Off: removes this process's monitors of that node.
/// Errors: `BadName` (empty or longer than 255 bytes).
pub fn monitorNode(node_name: []const u8, on: bool) Error!void {
    _ = try check(sys.monitor_node(sys.ptr(node_name), node_name.len, @intFromBool(on)));
}

/// Erlang's `net_kernel:monitor_nodes(Flag)`: whether this process receives `nodeup` and
/// `nodedown` for every node that connects or disconnects.
pub fn monitorNodes(on: bool) void {
    _ = sys.monitor_nodes(@intFromBool(on));
}

/// `spawnOpts` with no link or monitor.
pub fn spawn(module: []const u8, arguments: []const u8) Error!Pid {
    return (try spawnOpts(module, arguments, .{})).pid;
}

/// `spawnOpts` with a link.
pub fn spawnLink(module: []const u8, arguments: []const u8) Error!Pid {
    return (try spawnOpts(module, arguments, .{ .link = true })).pid;
}

/// `spawnOpts` with a monitor.
pub fn spawnMonitor(module: []const u8, arguments: []const u8) Error!struct { pid: Pid, monitor: MonitorRef } {
    const s = try spawnOpts(module, arguments, .{ .monitor = true });
    return .{ .pid = s.pid, .monitor = s.monitor.? };
}

/// Links to `pid`. When it is not alive, this process gets exit signal `noproc` from it: it
/// ends with `noproc`, or, when it traps exits, receives the `EXIT` and gets `NoProc` here.
pub fn link(pid: Pid) Error!void {
    _ = try check(sys.link(pid.raw()));
}

/// Removes the link to `pid`, if there is one.
pub fn unlink(pid: Pid) void {
    _ = sys.unlink(pid.raw());
}

/// Sets whether exit signals become `EXIT` messages; returns the previous setting.
pub fn trapExit(on: bool) bool {
    return sys.trap_exit(@intFromBool(on)) != 0;
}

/// Ends the calling process with `reason`. The host lets a process end itself only with
/// `normal`, `shutdown` or `custom`; any other reason is sent as `custom` with its text
/// (`exit(.killed)` ends with `custom: killed`), as the Rust SDK does.
pub fn exit(reason: ExitReason) noreturn {
    switch (reason) {
        .normal, .shutdown, .custom => {
            const d = reason.detail();
            sys.exit(reason.kind(), sys.ptr(d), d.len);
        },
        else => {
            var buf: [1024]u8 = undefined;
            var w: std.Io.Writer = .fixed(&buf);
            w.print("{f}", .{reason}) catch {}; // A longer detail is cut short.
            const text = w.buffered();
            sys.exit(sys.REASON_CUSTOM, sys.ptr(text), text.len);
        },
    }
}

/// Sends exit signal `reason` to `pid` (the caller goes on). `.killed` sends the
/// untrappable `kill`. Errors: `NoProc` when `pid` is not alive.
pub fn exitSignal(pid: Pid, reason: ExitReason) Error!void {
    const d = reason.detail();
    _ = try check(sys.exit_signal(pid.raw(), reason.kind(), sys.ptr(d), d.len));
}

/// Ends `pid` with reason `killed`, even if it traps exits.
pub fn kill(pid: Pid) Error!void {
    return exitSignal(pid, .killed);
}

/// Monitors `pid`: one `DOWN` message follows when it ends (`noproc` if it is dead now).
pub fn monitor(pid: Pid) MonitorRef {
    return @fromBackingInt(sys.monitor(pid.raw()));
}

/// Removes a monitor; `.flush = true` also removes its `DOWN` if it is queued.
/// Errors: `NotFound` when the `DOWN` was already sent or the reference is unknown.
pub fn demonitor(reference: MonitorRef, options: struct { flush: bool = false }) Error!void {
    const flags: i32 = if (options.flush) sys.DEMONITOR_FLUSH else 0;
    _ = try check(sys.demonitor(reference.raw(), flags));
}

/// Registers `pid` under `name` (unique on the node; one name per process, removed when
/// it ends). Errors: `NameTaken`, `AlreadyRegistered`, `NoProc`, `BadName`.
pub fn register(name: []const u8, pid: Pid) Error!void {
    _ = try check(sys.register(sys.ptr(name), name.len, pid.raw()));
}

/// Removes a registered name. Errors: `NotRegistered`.
pub fn unregister(name: []const u8) Error!void {
    _ = try check(sys.unregister(sys.ptr(name), name.len));
}

/// The process registered under `name`, or `null` when the name is free (or not a valid
/// name, which no process can have).
pub fn whereis(name: []const u8) ?Pid {
    return Pid.fromRaw(sys.whereis(sys.ptr(name), name.len));
}

/// Sends `bytes` to `pid` as a user message from this process after `delay_ms`. The timer
/// is cancelled if `pid` ends first. Errors: `TooBig`, `BadArg` (a delay over 2^32 − 1 ms).
pub fn sendAfter(pid: Pid, delay_ms: u64, bytes: []const u8) Error!TimerRef {
    const delay: i64 = @intCast(@min(delay_ms, std.math.maxInt(i64)));
    return @fromBackingInt(try check64(sys.send_after(pid.raw(), delay, sys.ptr(bytes), bytes.len)));
}

/// Cancels a timer: the milliseconds that were left, or `null` when it already fired or
/// was cancelled.
pub fn cancelTimer(timer: TimerRef) ?u64 {
    const left = sys.cancel_timer(timer.raw());
    return if (left < 0) null else @intCast(left);
}

/// The current version of module `name` (1, 2, … in load order); `null` when not loaded.
pub fn moduleVersion(name: []const u8) ?u32 {
    const v = sys.module_version(sys.ptr(name), name.len);
    return if (v < 0) null else @intCast(v);
}

/// Makes the previous version of `name` current again; returns the version now current.
/// Errors: `NotFound`, `NoVersion`.
pub fn moduleRollback(name: []const u8) Error!u32 {
    return check(sys.module_rollback(sys.ptr(name), name.len));
}

/// Asks the host to hibernate this behaviour when the current callback returns (its state
/// is saved and its instance dropped until the next message). Only a server with upgrade
/// callbacks can hibernate; for others this does nothing.
pub fn hibernate() void {
    _ = sys.hibernate();
}

/// Adds a child to a running supervisor and starts it; `spec` is a JSON child spec
/// (`{"id": "w1", "module": "kv", ...}`, ABI.md §5, Supervisors). Returns its pid, or `null`
/// when it ended at once and is not restarted.
/// Errors: `NoProc`, `NameTaken` (the id exists), `BadArg` (a bad spec), `Limit`.
pub fn startChild(supervisor: Pid, spec: []const u8) Error!?Pid {
    return Pid.fromRaw(try check64(sys.sup_start_child(supervisor.raw(), sys.ptr(spec), spec.len)));
}

/// Stops a supervisor's child by its shutdown protocol and removes it.
/// Errors: `NoProc`, `NotFound`.
pub fn terminateChild(supervisor: Pid, id: []const u8) Error!void {
    _ = try check(sys.sup_terminate_child(supervisor.raw(), sys.ptr(id), id.len));
}

/// A supervisor's children as JSON (`[{"id": .., "pid": .. | null, "supervisor": bool}]`),
/// in memory from `allocator`. Errors: `NoProc`.
pub fn whichChildren(supervisor: Pid, allocator: std.mem.Allocator) (Error || error{OutOfMemory})![]u8 {
    var buf = try allocator.alloc(u8, 4096);
    while (true) {
        const n = try check(sys.sup_which_children(supervisor.raw(), sys.ptrMut(buf), buf.len));
        if (n <= buf.len) return buf[0..n];
        buf = try allocator.realloc(buf, n);
    }
}
