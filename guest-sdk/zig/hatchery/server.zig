//! Behaviour-style servers (gen_server): the host runs the receive loop and hands each
//! message to `hatchery_handle`, which this file dispatches to plain methods of your state
//! type (guest-sdk/ABI.md §5, Behaviours and "Calls and casts"). Between messages no guest
//! code runs.
//!
//! ```
//! const Counter = struct {
//!     count: i64 = 0,
//!     pub fn handleCall(self: *Counter, call: *hatchery.server.Call) void {
//!         call.reply(self.count);
//!     }
//!     pub fn handleCast(self: *Counter, message: std.json.Value) void {
//!         if (message == .integer) self.count += message.integer;
//!     }
//! };
//! const server = hatchery.Server(Counter);
//! comptime {
//!     server.exportCallbacks(); // hatchery_handle (and the upgrade exports)
//! }
//! export fn hatchery_main() void {
//!     server.serve(.{});
//! }
//! ```
//!
//! The methods of the state type `S` (only `handleCall` is required):
//!
//! | Method | Gets |
//! |---|---|
//! | `handleCall(self: *S, call: *Call)` | a `$call`: `call.request`, `call.from`; answer with `call.reply(value)` (or later with `hatchery.reply(from, value)`) |
//! | `handleCast(self: *S, message: std.json.Value)` | the `M` of a `$cast` |
//! | `handleInfo(self: *S, message: Message)` | everything else: other JSON, bytes, `EXIT`, `DOWN`, `NODEUP`, `NODEDOWN`, late replies |
//! | `terminate(self: *S, reason: ExitReason)` | the server is about to end by a `.stop` |
//! | `save(self: *S, w: *std.Io.Writer) !void` | hot swap: write the state for the next version |
//! | `codeChange(old_version: u32, state: []const u8) !S` | hot swap: build the state from what `old_version` saved; an error refuses the upgrade |
//!
//! The `handle*` methods return `void` (go on), a `Next` (`.ok` or `.{ .stop = reason }`),
//! or an error union of those: an error crashes the server (it panics, so the process ends
//! with `trap` and the host names the message, like a crashing gen_server callback).
//! Values and slices they are handed live until the method returns: copy what you keep.
//! A server that traps exits and gets an `EXIT` from its parent (its supervisor shutting
//! it down) runs `terminate` and ends with that reason, as a gen_server does.

const std = @import("std");
const heap = @import("heap.zig");
const sys = @import("sys.zig");
const json = @import("json.zig");
const mailbox = @import("mailbox.zig");
const process = @import("process.zig");
const output = @import("output.zig");
const calls = @import("call.zig");
const ExitReason = @import("reason.zig").ExitReason;

const Message = mailbox.Message;
const gpa = heap.allocator;

/// What a callback decides.
pub const Next = union(enum) {
    /// Go on with the next message.
    ok,
    /// Run `terminate` and end with this reason.
    stop: ExitReason,
};

/// A call being handled.
pub const Call = struct {
    /// The `REQ` of `{"$call": {"ref": R, "req": REQ}}` (`null` when absent).
    request: std.json.Value,
    /// Who to reply to; keep it to reply later with `hatchery.reply`.
    from: calls.From,
    /// Memory that lives until the callback returns (the request is in it).
    arena: std.mem.Allocator,

    /// Replies with `value` (anything `std.json.Stringify` takes). A reply that cannot be
    /// sent (too big) is reported on standard error, as the Rust SDK does.
    pub fn reply(self: *const Call, value: anytype) void {
        calls.reply(self.from, value) catch |err| {
            const to: i64 = if (self.from.pid) |p| p.raw() else 0;
            output.eprint("server: the reply to <0.{d}> could not be sent: {s}\n", .{ to, @errorName(err) });
        };
    }
};

/// The behaviour driver for state type `S`: call `exportCallbacks` in a `comptime` block
/// of the module's root file, and `serve` from its entry.
pub fn Server(comptime S: type) type {
    if (!@hasDecl(S, "handleCall")) @compileError(@typeName(S) ++ " needs a handleCall method");
    if (@hasDecl(S, "save") != @hasDecl(S, "codeChange"))
        @compileError(@typeName(S) ++ ": hot swap needs both save and codeChange");

    return struct {
        /// Whether `S` carries its state across versions (it has `save` and `codeChange`).
        pub const upgradable = @hasDecl(S, "save");

        var state: S = undefined;
        var running = false;
        /// Memory for the message being handled, reset before each one.
        var arena: std.heap.ArenaAllocator = .init(gpa);
        /// Bytes handed to the host (a saved state, a refusal reason), kept until the next
        /// hand-over so that the host can read them after the export returns.
        var handover: std.ArrayList(u8) = .empty;

        /// Makes `initial` this process's server state. Call it from the entry after init;
        /// when the entry returns, the host starts handing messages to the callbacks.
        pub fn serve(initial: S) void {
            state = initial;
            running = true;
        }

        /// The state, for code outside the callbacks (the entry, after `serve`).
        pub fn current() *S {
            return &state;
        }

        /// Exports `hatchery_handle`, and `hatchery_state_save` / `hatchery_code_change`
        /// when `S` is upgradable. Call it once, in a `comptime` block; build with
        /// `--export=` for each of them (the SDK's README lists the flags).
        pub fn exportCallbacks() void {
            @export(&handle, .{ .name = "hatchery_handle" });
            if (upgradable) {
                @export(&stateSave, .{ .name = "hatchery_state_save" });
                @export(&codeChange, .{ .name = "hatchery_code_change" });
            }
        }

        fn handle(kind: i32, sender: i64, size: i32) callconv(.c) void {
            _ = arena.reset(.{ .retain_with_limit = 64 << 10 });
            const a = arena.allocator();
            const bytes = a.alloc(u8, @intCast(@max(0, size))) catch @panic("hatchery: no memory for a message");
            _ = sys.message_read(sys.ptrMut(bytes), bytes.len);
            const message = Message.fromRaw(@bitCast(kind), sender, bytes) orelse return;
            if (!running) process.exit(.{ .custom = "a server module must call serve in its entry" });
            switch (dispatch(message, a)) {
                .ok => {},
                .stop => |reason| {
                    if (@hasDecl(S, "terminate")) state.terminate(reason);
                    process.exit(reason);
                },
            }
        }

        fn dispatch(message: Message, a: std.mem.Allocator) Next {
            switch (message) {
                .user => |u| {
                    const value = json.parse(a, u.data) catch @panic("hatchery: no memory to read a message");
                    if (value) |v| if (v == .object) {
                        if (v.object.get("$call")) |c| {
                            var call: Call = .{
                                .request = json.get(c, "req") orelse .null,
                                .from = .{ .pid = u.from, .ref = json.asU64(json.get(c, "ref")) orelse 0 },
                                .arena = a,
                            };
                            return outcome("handleCall", state.handleCall(&call));
                        }
                        if (v.object.get("$cast")) |m| {
                            if (!@hasDecl(S, "handleCast")) return .ok;
                            return outcome("handleCast", state.handleCast(m));
                        }
                    };
                },
                // As gen_server: an exit signal from the parent (the supervisor's shutdown)
                // ends a server that traps exits, after `terminate`.
                .exit => |e| if (e.from) |from| if (process.parent()) |p| if (from == p) return .{ .stop = e.reason },
                .down, .nodeup, .nodedown => {},
            }
            if (!@hasDecl(S, "handleInfo")) return .ok;
            return outcome("handleInfo", state.handleInfo(message));
        }

        /// Keeps `bytes` for the host and returns them packed as `(ptr << 32) | len`.
        fn handOver() i64 {
            const ptr: u64 = @intFromPtr(sys.ptr(handover.items));
            return @bitCast((ptr << 32) | @as(u64, @truncate(handover.items.len)));
        }

        fn stateSave() callconv(.c) i64 {
            handover.clearRetainingCapacity();
            var w: std.Io.Writer.Allocating = .fromArrayList(gpa, &handover);
            // A trap here is safe: the host keeps the process on this version.
            state.save(&w.writer) catch |err| std.debug.panic("save: {s}", .{@errorName(err)});
            handover = w.toArrayList();
            return handOver();
        }

        fn codeChange(old_version: i32, size: i32) callconv(.c) i64 {
            const bytes = gpa.alloc(u8, @intCast(@max(0, size))) catch @panic("hatchery: no memory for the saved state");
            defer gpa.free(bytes);
            _ = sys.message_read(sys.ptrMut(bytes), bytes.len);
            const old: u32 = @intCast(@max(0, old_version));
            if (S.codeChange(old, bytes)) |new_state| {
                serve(new_state);
                return 0;
            } else |err| {
                handover.clearRetainingCapacity();
                handover.print(gpa, "code_change from v{d} refused: {s}", .{ old, @errorName(err) }) catch
                    @panic("hatchery: no memory for a refusal");
                return handOver();
            }
        }
    };
}

/// A callback's result as a `Next`: `void` goes on, an error crashes the server.
fn outcome(comptime callback: []const u8, result: anytype) Next {
    const T = @TypeOf(result);
    return switch (@typeInfo(T)) {
        .error_union => outcome(callback, result catch |err| std.debug.panic(callback ++ ": {s}", .{@errorName(err)})),
        .void => .ok,
        else => if (T == Next) result else @compileError(callback ++ " must return void, Next, or an error union of them"),
    };
}
