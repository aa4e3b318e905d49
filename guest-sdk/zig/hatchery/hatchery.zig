//! # hatchery: the Zig guest SDK
//!
//! Write Erlang-style processes in Zig; a Hatchery node runs each one as its own
//! WebAssembly instance. This is a thin layer over the `hatchery_v1` imports of
//! guest-sdk/ABI.md: the raw imports are in `sys`, everything else is typed Zig (errors as
//! an error set, pids as their own type, messages as a tagged union, JSON through
//! `std.json`).
//!
//! A main-style process exports `hatchery_main`; returning from it ends the process with
//! reason `normal`:
//!
//! ```
//! const std = @import("std");
//! const hatchery = @import("hatchery");
//! pub const panic = hatchery.panic;
//!
//! // An echo process: sends every user message back until it gets `stop`.
//! export fn hatchery_main() void {
//!     while (hatchery.receive(.infinity)) |message| switch (message) {
//!         .user => |u| {
//!             if (std.mem.eql(u8, u.data, "stop")) return;
//!             if (u.from) |from| from.send(u.data) catch {};
//!         },
//!         else => {},
//!     };
//! }
//! ```
//!
//! A behaviour-style process (gen_server) is a state type with callbacks: see `server`.
//! Build with `zig build-exe -target wasm32-freestanding -fno-entry --stack 262144
//! --export=hatchery_main ...` (guest-sdk/zig/README.md has the whole command).

const std = @import("std");

pub const sys = @import("sys.zig");
pub const json = @import("json.zig");
pub const server = @import("server.zig");

const errors = @import("error.zig");
const ids = @import("pid.zig");
const mailbox = @import("mailbox.zig");
const process = @import("process.zig");
const output = @import("output.zig");
const calls = @import("call.zig");

/// The allocator of guest memory (on `memory.grow`: small blocks from Zig's WebAssembly
/// allocator, big ones as whole pages, see heap.zig). The node caps a process's memory
/// (16 MiB by default): past it allocations fail.
pub const allocator = @import("heap.zig").allocator;

// Errors (ABI.md §2).
pub const Error = errors.Error;
pub const errorCode = errors.code;

// Identifiers.
pub const Pid = ids.Pid;
pub const MonitorRef = ids.MonitorRef;
pub const TimerRef = ids.TimerRef;

// Exit reasons (ABI.md §3).
pub const ExitReason = @import("reason.zig").ExitReason;

// Messages (ABI.md §4).
pub const Message = mailbox.Message;
pub const Timeout = mailbox.Timeout;
pub const receive = mailbox.receive;
pub const receiveMatch = mailbox.receiveMatch;
pub const sendNamed = mailbox.sendNamed;
pub const sendNamedAt = mailbox.sendNamedAt;
pub const mailboxLen = mailbox.mailboxLen;

/// Sends raw bytes to `pid` (the same as `pid.send(bytes)`).
pub fn send(pid: Pid, bytes: []const u8) Error!void {
    return pid.send(bytes);
}

// Identity, spawning, links, monitors, names, timers, code (ABI.md §5).
pub const self = process.self;
pub const parent = process.parent;
pub const args = process.args;
pub const argsJson = process.argsJson;
pub const makeRef = process.makeRef;
pub const nowMs = process.nowMs;
pub const node = process.node;
pub const SpawnOptions = process.SpawnOptions;
pub const Spawned = process.Spawned;
pub const spawn = process.spawn;
pub const spawnLink = process.spawnLink;
pub const spawnMonitor = process.spawnMonitor;
pub const spawnOpts = process.spawnOpts;
pub const spawnAt = process.spawnAt;
pub const nodes = process.nodes;
pub const pidNode = process.pidNode;
pub const monitorNode = process.monitorNode;
pub const monitorNodes = process.monitorNodes;
pub const link = process.link;
pub const unlink = process.unlink;
pub const trapExit = process.trapExit;
pub const exit = process.exit;
pub const exitSignal = process.exitSignal;
pub const kill = process.kill;
pub const monitor = process.monitor;
pub const demonitor = process.demonitor;
pub const register = process.register;
pub const unregister = process.unregister;
pub const whereis = process.whereis;
pub const sendAfter = process.sendAfter;
pub const cancelTimer = process.cancelTimer;
pub const moduleVersion = process.moduleVersion;
pub const moduleRollback = process.moduleRollback;
pub const hibernate = process.hibernate;
pub const startChild = process.startChild;
pub const terminateChild = process.terminateChild;
pub const whichChildren = process.whichChildren;

// The gen_server protocol (ABI.md, "Calls and casts").
pub const Server = server.Server;
pub const From = calls.From;
pub const CallOutcome = calls.CallOutcome;
pub const SendError = calls.SendError;
pub const call = calls.call;
pub const callNamed = calls.callNamed;
pub const cast = calls.cast;
pub const castNamed = calls.castNamed;
pub const reply = calls.reply;

// Output and crashes.
pub const print = output.print;
pub const eprint = output.eprint;
pub const stdout = output.stdout;
pub const stderr = output.stderr;
pub const panic = output.panic;

test {
    // `zig test hatchery.zig` runs the tests of the parts that need no host.
    _ = errors;
    _ = ids;
    _ = json;
    _ = mailbox;
    _ = @import("reason.zig");
    _ = @import("heap.zig");
}
