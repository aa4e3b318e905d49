//! `conf_zig_server`: version 1 of the protocol's counter server.
const hatchery = @import("hatchery");
const counter = @import("counter.zig");

pub const panic = hatchery.panic;

comptime {
    hatchery.Server(counter.Counter(1)).exportCallbacks();
}

export fn hatchery_main() void {
    counter.start(1);
}
