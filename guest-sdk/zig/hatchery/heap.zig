//! The SDK's allocator: Zig's WebAssembly allocator for small blocks, whole 64 KiB pages
//! for big ones.
//!
//! Why: `std.heap.wasm_allocator` rounds every block above 32 KiB up to a power of two of
//! pages and never splits or merges freed blocks, so a 2 MiB message took a 4 MiB block,
//! its parsed copy another, and a server in the node's default 16 MiB ran out of memory
//! handling it. Big blocks here are runs of pages from a free list kept in address order:
//! first fit, split on allocation, merged with their neighbours on free, grown in place
//! when the next pages are free or are the end of memory.

const std = @import("std");
const builtin = @import("builtin");

const Alignment = std.mem.Alignment;
const Allocator = std.mem.Allocator;

/// The size of a WebAssembly page, the unit of big blocks.
pub const page_size = 64 * 1024;

/// The allocator: `hatchery.allocator`.
pub const allocator: Allocator = .{ .ptr = undefined, .vtable = &vtable };

const vtable: Allocator.VTable = .{ .alloc = alloc, .resize = resize, .remap = remap, .free = free };
const small = std.heap.wasm_allocator;
const pages: *Pages(WasmMemory) = &wasm_pages;
var wasm_pages: Pages(WasmMemory) = .{};

/// Whether a block goes to whole pages: the blocks the small allocator would round to a
/// power of two of pages (its size classes end at 32 KiB, counting its 8-byte link).
fn isBig(len: usize, alignment: Alignment) bool {
    const a = alignment.toByteUnits();
    return a <= page_size and @max(len +| @sizeOf(usize), a) > 32 * 1024;
}

fn pagesFor(len: usize) usize {
    return len / page_size + @intFromBool(len % page_size != 0);
}

fn alloc(_: *anyopaque, len: usize, alignment: Alignment, ra: usize) ?[*]u8 {
    if (!isBig(len, alignment)) return small.rawAlloc(len, alignment, ra);
    return pages.alloc(pagesFor(len));
}

fn resize(_: *anyopaque, buf: []u8, alignment: Alignment, new_len: usize, ra: usize) bool {
    if (!isBig(buf.len, alignment)) return small.rawResize(buf, alignment, new_len, ra);
    // A block never changes owner in place: shrinking a big one to a small size moves it.
    if (!isBig(new_len, alignment)) return false;
    return pages.resize(buf.ptr, pagesFor(buf.len), pagesFor(new_len));
}

fn remap(ctx: *anyopaque, buf: []u8, alignment: Alignment, new_len: usize, ra: usize) ?[*]u8 {
    return if (resize(ctx, buf, alignment, new_len, ra)) buf.ptr else null;
}

fn free(_: *anyopaque, buf: []u8, alignment: Alignment, ra: usize) void {
    if (!isBig(buf.len, alignment)) return small.rawFree(buf, alignment, ra);
    pages.free(buf.ptr, pagesFor(buf.len));
}

/// Linear memory as the page allocator sees it.
const WasmMemory = struct {
    /// Adds `n` pages at the end of memory; their address, or `null` at the memory cap.
    fn grow(n: usize) ?usize {
        if (!builtin.cpu.arch.isWasm()) unreachable;
        const old = @wasmMemoryGrow(0, n);
        if (old < 0) return null;
        return @as(usize, @intCast(old)) * page_size;
    }

    /// The address just past the end of memory.
    fn end() usize {
        if (!builtin.cpu.arch.isWasm()) unreachable;
        return @wasmMemorySize(0) * page_size;
    }
};

/// Runs of pages over a `Memory` with `grow` and `end`.
fn Pages(comptime Memory: type) type {
    return struct {
        const Self = @This();

        /// A free run; the header lives in the run's first page.
        const Run = struct { count: usize, next: ?*Run };

        /// Free runs in address order, never two adjacent ones.
        free_list: ?*Run = null,

        fn alloc(self: *Self, n: usize) ?[*]u8 {
            var link = &self.free_list;
            while (link.*) |run| : (link = &run.next) {
                if (run.count < n) continue;
                if (run.count == n) {
                    link.* = run.next;
                    return @ptrCast(run);
                }
                // The tail: the header stays where it is.
                run.count -= n;
                return @ptrFromInt(@intFromPtr(run) + run.count * page_size);
            }
            return @ptrFromInt(Memory.grow(n) orelse return null);
        }

        fn free(self: *Self, ptr: [*]u8, n: usize) void {
            const addr = @intFromPtr(ptr);
            var prev: ?*Run = null;
            var next = self.free_list;
            while (next) |r| : (next = r.next) {
                if (@intFromPtr(r) > addr) break;
                prev = r;
            }
            const run: *Run = @ptrCast(@alignCast(ptr));
            run.* = .{ .count = n, .next = next };
            if (next) |after| if (addr + n * page_size == @intFromPtr(after)) {
                run.count += after.count;
                run.next = after.next;
            };
            if (prev) |before| {
                if (@intFromPtr(before) + before.count * page_size == addr) {
                    before.count += run.count;
                    before.next = run.next;
                } else before.next = run;
            } else self.free_list = run;
        }

        fn resize(self: *Self, ptr: [*]u8, old_n: usize, new_n: usize) bool {
            if (new_n == old_n) return true;
            if (new_n < old_n) {
                self.free(ptr + new_n * page_size, old_n - new_n);
                return true;
            }
            const end = @intFromPtr(ptr) + old_n * page_size;
            const more = new_n - old_n;
            // The free run right after the block, if there is one.
            var link = &self.free_list;
            while (link.*) |run| : (link = &run.next) {
                if (@intFromPtr(run) < end) continue;
                if (@intFromPtr(run) > end or run.count < more) break;
                if (run.count == more) {
                    link.* = run.next;
                } else {
                    const rest: *Run = @ptrFromInt(end + more * page_size);
                    rest.* = .{ .count = run.count - more, .next = run.next };
                    link.* = rest;
                }
                return true;
            }
            // The end of memory: grow it (it grows at the end, so the pages are contiguous).
            if (end == Memory.end()) return Memory.grow(more) != null;
            return false;
        }
    };
}

/// A memory of `capacity` pages in a static buffer, for the tests.
const FakeMemory = struct {
    const capacity = 16;
    var bytes: [capacity * page_size]u8 align(page_size) = undefined;
    var used: usize = 0;

    fn grow(n: usize) ?usize {
        if (used + n > capacity) return null;
        defer used += n;
        return @intFromPtr(&bytes) + used * page_size;
    }

    fn end() usize {
        return @intFromPtr(&bytes) + used * page_size;
    }
};

test "runs are split, merged, reused and grown in place" {
    const testing = std.testing;
    FakeMemory.used = 0;
    var p: Pages(FakeMemory) = .{};
    const a = p.alloc(2).?;
    const b = p.alloc(3).?;
    const c = p.alloc(1).?;
    try testing.expectEqual(@as(usize, 6), FakeMemory.used);
    // Freeing a then b leaves one merged run of 5, which a block of 4 reuses (its tail).
    p.free(a, 2);
    p.free(b, 3);
    try testing.expectEqual(@as(usize, 5), p.free_list.?.count);
    const d = p.alloc(4).?;
    try testing.expectEqual(@intFromPtr(a) + page_size, @intFromPtr(d));
    try testing.expectEqual(@as(usize, 1), p.free_list.?.count);
    // c is at the end of memory: it grows in place.
    try testing.expect(p.resize(c, 1, 3));
    try testing.expectEqual(@as(usize, 8), FakeMemory.used);
    // Shrinking frees the tail; growing again takes it back from the free list.
    try testing.expect(p.resize(c, 3, 1));
    try testing.expect(p.resize(c, 1, 2));
    try testing.expectEqual(@as(usize, 8), FakeMemory.used);
    // d cannot grow into c.
    try testing.expect(!p.resize(d, 4, 5));
    // At the cap, allocation fails.
    try testing.expectEqual(@as(?[*]u8, null), p.alloc(9));
    p.free(d, 4);
    p.free(c, 2);
    try testing.expectEqual(@as(usize, 8), p.free_list.?.count);
    try testing.expectEqual(@as(?*Pages(FakeMemory).Run, null), p.free_list.?.next);
}
