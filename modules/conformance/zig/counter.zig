//! The counter server of the conformance protocol (modules/conformance/PROTOCOL.md), the
//! state of both `conf_zig_server` versions. It mirrors modules/conformance/rust/src/lib.rs.

const std = @import("std");
const hatchery = @import("hatchery");

const Value = std.json.Value;

/// The counter as version `version` of its module calls itself.
pub fn Counter(comptime version: u8) type {
    return struct {
        const Self = @This();

        count: i64 = 0,
        infos: i64 = 0,

        pub fn handleCall(self: *Self, call: *hatchery.server.Call) void {
            // As an unmatched handle_call clause in Erlang: a request that is not a string
            // crashes the server (the Rust server's request type is a String).
            if (call.request != .string) noClause("handleCall", call.request);
            const request = call.request.string;
            if (std.mem.eql(u8, request, "get")) return call.reply(self.count);
            if (std.mem.eql(u8, request, "infos")) return call.reply(self.infos);
            if (std.mem.eql(u8, request, "version")) return call.reply(version);
            call.reply(.{ .unknown = request });
        }

        pub fn handleCast(self: *Self, message: Value) void {
            if (message != .integer) noClause("handleCast", message);
            // Wrapping, as the Rust server's release build does.
            self.count +%= message.integer;
        }

        pub fn handleInfo(self: *Self, _: hatchery.Message) void {
            self.infos +%= 1;
        }

        /// v1 saves `[count, infos]`; v2 saves `{"count": .., "infos": ..}`.
        pub fn save(self: *Self, w: *std.Io.Writer) !void {
            if (version == 1) {
                try w.print("[{d},{d}]", .{ self.count, self.infos });
            } else {
                try w.print("{{\"count\":{d},\"infos\":{d}}}", .{ self.count, self.infos });
            }
        }

        /// Takes either version's state.
        pub fn codeChange(old_version: u32, state: []const u8) !Self {
            _ = old_version;
            var arena: std.heap.ArenaAllocator = .init(hatchery.allocator);
            defer arena.deinit();
            const v = try hatchery.json.parse(arena.allocator(), state) orelse return error.NotJson;
            const count, const infos = switch (v) {
                .array => |a| if (a.items.len == 2) .{ a.items[0], a.items[1] } else return error.NotACounterState,
                .object => |o| .{ o.get("count") orelse .null, o.get("infos") orelse .null },
                else => return error.NotACounterState,
            };
            if (count != .integer or infos != .integer) return error.NotACounterState;
            return .{ .count = count.integer, .infos = infos.integer };
        }
    };
}

fn noClause(comptime callback: []const u8, value: Value) noreturn {
    var buf: [256]u8 = undefined;
    var w: std.Io.Writer = .fixed(&buf);
    std.json.Stringify.value(value, .{}, &w) catch {};
    std.debug.panic(callback ++ ": no clause matches {s}", .{w.buffered()});
}

/// The entry of both versions: the state after init.
pub fn start(comptime version: u8) void {
    hatchery.Server(Counter(version)).serve(.{});
}
