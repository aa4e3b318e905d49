//! `poly_kv`: the key-value store of the polyglot app (apps/polyglot/README.md), a
//! behaviour written with the Zig SDK. Args `{"name": "kv"}`: it registers itself under
//! `name`.
//!
//! | Call | Reply |
//! |---|---|
//! | `{"put": {"key": K, "value": V}}` (`K` a string, `V` any JSON) | `"ok"` |
//! | `{"get": K}` | the value, or `null` |
//!
//! A cast of a `put` stores too (the CLI and the HTTP API can only cast); other casts and
//! info messages are ignored. Any other call is answered `{"unknown": <request>}`, and a
//! `put` the node has no memory for `{"error": "out of memory"}`: the store keeps what it
//! has rather than crash and lose it all. Its state survives a hot swap (and hibernation).

const std = @import("std");
const hatchery = @import("hatchery");

const Value = std.json.Value;
const gpa = hatchery.allocator;

pub const panic = hatchery.panic;

const Kv = struct {
    /// Key → the value's JSON text (stored encoded: it is only ever sent back out).
    entries: std.StringHashMapUnmanaged([]u8) = .empty,

    const Request = union(enum) {
        put: struct { key: []const u8, value: Value },
        get: []const u8,
        unknown,
    };

    fn parse(request: Value) Request {
        if (hatchery.json.get(request, "put")) |entry| {
            const key = hatchery.json.get(entry, "key") orelse return .unknown;
            const value = hatchery.json.get(entry, "value") orelse return .unknown;
            if (key != .string) return .unknown;
            return .{ .put = .{ .key = key.string, .value = value } };
        }
        if (hatchery.json.get(request, "get")) |key| {
            if (key == .string) return .{ .get = key.string };
        }
        return .unknown;
    }

    pub fn handleCall(self: *Kv, call: *hatchery.server.Call) void {
        switch (parse(call.request)) {
            .put => |p| if (self.store(p.key, p.value)) call.reply("ok") else |_| call.reply(.{ .@"error" = "out of memory" }),
            .get => |key| if (self.entries.get(key)) |text| call.reply(hatchery.json.Raw{ .text = text }) else call.reply(null),
            .unknown => call.reply(.{ .unknown = call.request }),
        }
    }

    pub fn handleCast(self: *Kv, message: Value) void {
        switch (parse(message)) {
            .put => |p| self.store(p.key, p.value) catch hatchery.eprint("kv: no memory to store {s}\n", .{p.key}),
            else => {},
        }
    }

    /// Stores `value` under `key` (both copied); on failure the old value stays.
    fn store(self: *Kv, key: []const u8, value: Value) error{OutOfMemory}!void {
        const text = try hatchery.json.encodeAlloc(gpa, value);
        errdefer gpa.free(text);
        const slot = try self.entries.getOrPut(gpa, key);
        if (slot.found_existing) {
            gpa.free(slot.value_ptr.*);
        } else {
            slot.key_ptr.* = gpa.dupe(u8, key) catch |err| {
                self.entries.removeByPtr(slot.key_ptr);
                return err;
            };
        }
        slot.value_ptr.* = text;
    }

    /// The whole store as one JSON object.
    pub fn save(self: *Kv, w: *std.Io.Writer) !void {
        var jws: std.json.Stringify = .{ .writer = w };
        try jws.beginObject();
        var it = self.entries.iterator();
        while (it.next()) |e| {
            try jws.objectField(e.key_ptr.*);
            try jws.write(hatchery.json.Raw{ .text = e.value_ptr.* });
        }
        try jws.endObject();
    }

    pub fn codeChange(old_version: u32, state: []const u8) !Kv {
        _ = old_version;
        var arena: std.heap.ArenaAllocator = .init(gpa);
        defer arena.deinit();
        const saved = try hatchery.json.parse(arena.allocator(), state) orelse return error.NotJson;
        if (saved != .object) return error.NotAStore;
        var kv: Kv = .{};
        var it = saved.object.iterator();
        while (it.next()) |e| try kv.store(e.key_ptr.*, e.value_ptr.*);
        return kv;
    }
};

const Args = struct { name: []const u8 = "kv" };

const server = hatchery.Server(Kv);

comptime {
    server.exportCallbacks();
}

export fn hatchery_main() void {
    var arena: std.heap.ArenaAllocator = .init(gpa);
    defer arena.deinit();
    const args = hatchery.argsJson(?Args, arena.allocator()) catch |err| {
        hatchery.eprint("kv: args are not {{\"name\": string}} ({s}); using \"kv\"\n", .{@errorName(err)});
        return start("kv");
    };
    start((args orelse Args{}).name);
}

fn start(name: []const u8) void {
    hatchery.register(name, hatchery.self()) catch |err| {
        var buf: [300]u8 = undefined;
        const why = std.fmt.bufPrint(&buf, "kv: cannot register as {s}: {s}", .{ name, @errorName(err) }) catch "kv: cannot register";
        hatchery.exit(.{ .custom = why });
    };
    server.serve(.{});
}
