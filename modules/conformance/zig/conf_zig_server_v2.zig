//! `conf_zig_server_v2`: version 2 of the protocol's counter server; the harness loads it
//! as a new version of `conf_zig_server`.
const hatchery = @import("hatchery");
const counter = @import("counter.zig");

pub const panic = hatchery.panic;

comptime {
    hatchery.Server(counter.Counter(2)).exportCallbacks();
}

export fn hatchery_main() void {
    counter.start(2);
}
