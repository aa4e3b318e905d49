//! Standard output and error (captured per process by the host, one line per `\n`), and a
//! panic handler that says why before it traps.
//!
//! The SDK builds for `wasm32-freestanding`, so Zig's `std.debug.print` and `std.Io` files
//! are not there; these go straight to WASI `fd_write`, the one WASI import the SDK uses.

const std = @import("std");
const sys = @import("sys.zig");

/// The `drain` of a `std.Io.Writer` on WASI file descriptor `fd`: the buffered bytes, then
/// `data` (its last slice `splat` times).
fn drainTo(comptime fd: i32) fn (*std.Io.Writer, []const []const u8, usize) std.Io.Writer.Error!usize {
    return struct {
        fn drain(w: *std.Io.Writer, data: []const []const u8, splat: usize) std.Io.Writer.Error!usize {
            try writeFd(fd, w.buffer[0..w.end]);
            w.end = 0;
            var n: usize = 0;
            for (data[0 .. data.len - 1]) |bytes| {
                try writeFd(fd, bytes);
                n += bytes.len;
            }
            const last = data[data.len - 1];
            for (0..splat) |_| try writeFd(fd, last);
            return n + last.len * splat;
        }
    }.drain;
}

fn writeFd(fd: i32, bytes: []const u8) std.Io.Writer.Error!void {
    var rest = bytes;
    while (rest.len > 0) {
        const iov = [1]sys.Ciovec{.{ .base = rest.ptr, .len = rest.len }};
        var written: usize = 0;
        if (sys.fd_write(fd, &iov, 1, &written) != 0 or written == 0) return error.WriteFailed;
        rest = rest[@min(written, rest.len)..];
    }
}

var stdout_buffer: [1024]u8 = undefined;
var stderr_buffer: [1024]u8 = undefined;
var stdout_writer: std.Io.Writer = .{ .vtable = &.{ .drain = drainTo(1) }, .buffer = &stdout_buffer };
var stderr_writer: std.Io.Writer = .{ .vtable = &.{ .drain = drainTo(2) }, .buffer = &stderr_buffer };

/// Standard output as a buffered `std.Io.Writer`: call `flush` when done (a line shows up
/// in the host once its `\n` is written and flushed).
pub fn stdout() *std.Io.Writer {
    return &stdout_writer;
}

/// Standard error, like `stdout`.
pub fn stderr() *std.Io.Writer {
    return &stderr_writer;
}

/// Formats to standard output and flushes. Output errors are ignored (there is no one to
/// tell). `hatchery.print("count is {d}\n", .{n})`.
pub fn print(comptime fmt: []const u8, args: anytype) void {
    const w = stdout();
    w.print(fmt, args) catch {};
    w.flush() catch {};
}

/// `print` to standard error.
pub fn eprint(comptime fmt: []const u8, args: anytype) void {
    const w = stderr();
    w.print(fmt, args) catch {};
    w.flush() catch {};
}

/// Prints `panic: <message>` to standard error and traps, so the process ends with reason
/// `trap` (and the host shows the backtrace). Install it in the root file of a module:
/// `pub const panic = hatchery.panic;`
pub const panic = std.debug.FullPanic(panicFn);

fn panicFn(msg: []const u8, first_trace_addr: ?usize) noreturn {
    @branchHint(.cold);
    _ = first_trace_addr;
    eprint("panic: {s}\n", .{msg});
    @trap();
}
