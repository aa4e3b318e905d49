//! `bench_zig_noop`: returns from its entry at once (the cost of a process's life).
export fn hatchery_main() void {}
