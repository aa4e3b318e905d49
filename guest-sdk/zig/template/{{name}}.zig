//! {{name}}: a Hatchery behaviour (a gen_server) written in Zig with the SDK in hatchery/.
//!
//! At init it registers itself as `{{name}}` and prints a greeting. Then:
//! - cast `{"greet": "Ada"}`: it prints a hello to Ada and counts it;
//! - call `"count"`: how many it has greeted; `"hello"`: a greeting as a string.
//! Its count survives a hot swap: rebuild while `hatchery run` watches the file, and the
//! running process switches to the new code at its next message, state and all.

const std = @import("std");
const hatchery = @import("hatchery");

const Value = std.json.Value;

/// Crashes print why (to standard error) before the process ends with `trap`.
pub const panic = hatchery.panic;

const name = "{{name}}";

const Greeter = struct {
    greeted: i64 = 0,

    pub fn handleCall(self: *Greeter, call: *hatchery.server.Call) void {
        if (call.request == .string) {
            const request = call.request.string;
            if (std.mem.eql(u8, request, "count")) return call.reply(self.greeted);
            if (std.mem.eql(u8, request, "hello")) return call.reply("hello from " ++ name);
        }
        call.reply(.{ .unknown = call.request });
    }

    pub fn handleCast(self: *Greeter, message: Value) void {
        const who = switch (message) {
            .object => |o| o.get("greet"),
            else => null,
        };
        if (who) |w| switch (w) {
            .string => |s| {
                self.greeted += 1;
                hatchery.print(name ++ ": Hello, {s}! (greeting #{d})\n", .{ s, self.greeted });
                return;
            },
            else => {},
        };
        hatchery.print(name ++ ": cast me {{\"greet\": \"Ada\"}} to greet someone\n", .{});
    }

    pub fn handleInfo(_: *Greeter, message: hatchery.Message) void {
        switch (message) {
            .user => |u| hatchery.print(name ++ ": a plain message of {d} bytes\n", .{u.data.len}),
            else => {},
        }
    }

    /// Hot swap: the state the next version gets, as JSON.
    pub fn save(self: *Greeter, w: *std.Io.Writer) !void {
        try std.json.Stringify.value(.{ .greeted = self.greeted }, .{}, w);
    }

    /// Hot swap: takes the state an older (or this) version saved. A new field would get
    /// its default here; an error refuses the swap and the old version keeps running.
    pub fn codeChange(old_version: u32, state: []const u8) !Greeter {
        _ = old_version;
        var arena: std.heap.ArenaAllocator = .init(hatchery.allocator);
        defer arena.deinit();
        const saved = try std.json.parseFromSliceLeaky(struct { greeted: i64 = 0 }, arena.allocator(), state, .{ .ignore_unknown_fields = true });
        return .{ .greeted = saved.greeted };
    }
};

const server = hatchery.Server(Greeter);

comptime {
    server.exportCallbacks();
}

/// The init: runs once when the process starts (not after a hot swap).
export fn hatchery_main() void {
    hatchery.register(name, hatchery.self()) catch |err| {
        hatchery.eprint(name ++ ": cannot register as " ++ name ++ ": {s}\n", .{@errorName(err)});
        hatchery.exit(.{ .custom = "name taken" });
    };
    const example = "'{\"$cast\": {\"greet\": \"Ada\"}}'";
    hatchery.print(name ++ ": hello! I am {f}; greet someone: hatchery send " ++ name ++ " {s}\n", .{ hatchery.self(), example });
    server.serve(.{});
}
