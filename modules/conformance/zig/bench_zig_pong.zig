//! `bench_zig_pong`: sends every user message back to its sender until it gets `stop`.
const std = @import("std");
const hatchery = @import("hatchery");

pub const panic = hatchery.panic;

const AnyUser = struct {
    pub fn match(_: AnyUser, m: hatchery.Message) ?hatchery.Message.User {
        return if (m == .user) m.user else null;
    }
};

export fn hatchery_main() void {
    while (true) {
        const u = hatchery.receiveMatch(.infinity, AnyUser{}) orelse continue;
        if (std.mem.eql(u8, u.data, "stop")) return;
        if (u.from) |from| from.send(u.data) catch {};
    }
}
