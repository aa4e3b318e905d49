//! The raw `hatchery_v1` imports (guest-sdk/ABI.md §5) and the ABI's constants.
//!
//! Every function here is the host's function as ABI.md gives it: negative results are the
//! error codes of §2. The rest of the SDK wraps these in typed Zig; reach for them only for
//! what the typed layer does not cover (a raw `recv` at an index, say).
//!
//! A pointer/length pair outside the guest's memory is not an error code: the host ends the
//! calling process with reason `trap`.

/// The import module of every function below.
pub const module = "hatchery_v1";

// Error codes (ABI.md §2).
pub const ERR_TIMEOUT: i32 = -1;
pub const ERR_NOPROC: i32 = -2;
pub const ERR_NOT_REGISTERED: i32 = -3;
pub const ERR_NAME_TAKEN: i32 = -4;
pub const ERR_ALREADY_REGISTERED: i32 = -5;
pub const ERR_LIMIT: i32 = -6;
pub const ERR_TOO_BIG: i32 = -7;
pub const ERR_NO_MESSAGE: i32 = -8;
pub const ERR_BAD_NAME: i32 = -9;
pub const ERR_NOT_FOUND: i32 = -10;
pub const ERR_BAD_ARG: i32 = -11;
pub const ERR_NO_VERSION: i32 = -12;

// Message kinds (ABI.md §4).
pub const KIND_USER: u32 = 0;
pub const KIND_EXIT: u32 = 1;
pub const KIND_DOWN: u32 = 2;
pub const KIND_NODEUP: u32 = 3;
pub const KIND_NODEDOWN: u32 = 4;

// Exit reason kinds (ABI.md §3).
pub const REASON_NORMAL: u8 = 0;
pub const REASON_KILLED: u8 = 1;
pub const REASON_NOPROC: u8 = 2;
pub const REASON_NOCONNECTION: u8 = 3;
pub const REASON_SHUTDOWN: u8 = 4;
pub const REASON_TRAP: u8 = 5;
pub const REASON_LIMIT: u8 = 6;
pub const REASON_CUSTOM: u8 = 7;
pub const REASON_UNDEF: u8 = 8;

// Flags.
pub const SPAWN_LINK: i32 = 1;
pub const SPAWN_MONITOR: i32 = 2;
pub const DEMONITOR_FLUSH: i32 = 1;

/// The address to pass for `bytes`. An empty Zig slice (a zero-length allocation, `&.{}`)
/// may carry an address outside memory, such as 0xffffffff, and the host checks every
/// range, empty ones included: an empty slice is passed as the address of a real byte.
pub fn ptr(bytes: []const u8) [*]const u8 {
    return if (bytes.len == 0) @ptrCast(&empty_byte) else bytes.ptr;
}

/// `ptr` for a buffer the host writes to.
pub fn ptrMut(bytes: []u8) [*]u8 {
    return if (bytes.len == 0) @ptrCast(&empty_byte) else bytes.ptr;
}

var empty_byte: u8 = 0;

/// The 16-byte metadata block `recv` writes.
pub const RecvInfo = extern struct {
    kind: u32 = 0,
    reserved: u32 = 0,
    sender: i64 = 0,
};

// Identity and arguments.
pub extern "hatchery_v1" fn self() i64;
pub extern "hatchery_v1" fn parent() i64;
pub extern "hatchery_v1" fn args_size() i32;
pub extern "hatchery_v1" fn args_read(ptr: [*]u8, len: usize) i32;
pub extern "hatchery_v1" fn make_ref() i64;
pub extern "hatchery_v1" fn now_ms() i64;
/// Copies `min(cap, size)` bytes of the node's name to `ptr`; returns its full size.
pub extern "hatchery_v1" fn node_name(ptr: [*]u8, cap: usize) i32;

// Spawning. `ref_out` is written only with SPAWN_MONITOR.
pub extern "hatchery_v1" fn spawn(
    name_ptr: [*]const u8,
    name_len: usize,
    args_ptr: [*]const u8,
    args_len: usize,
    flags: i32,
    ref_out: *i64,
) i64;
/// `spawn` on the node of the cluster called `node` (its own name spawns here).
pub extern "hatchery_v1" fn spawn_at(
    node_ptr: [*]const u8,
    node_len: usize,
    name_ptr: [*]const u8,
    name_len: usize,
    args_ptr: [*]const u8,
    args_len: usize,
    flags: i32,
    ref_out: *i64,
) i64;

// Nodes. `nodes` and `pid_node` copy `min(cap, size)` bytes and return the full size.
pub extern "hatchery_v1" fn nodes(ptr: [*]u8, cap: usize) i32;
pub extern "hatchery_v1" fn pid_node(pid: i64, ptr: [*]u8, cap: usize) i32;
pub extern "hatchery_v1" fn monitor_node(node_ptr: [*]const u8, node_len: usize, flag: i32) i32;
pub extern "hatchery_v1" fn monitor_nodes(flag: i32) i32;

// Sending.
pub extern "hatchery_v1" fn send(pid: i64, ptr: [*]const u8, len: usize) i32;
pub extern "hatchery_v1" fn send_named(name_ptr: [*]const u8, name_len: usize, ptr: [*]const u8, len: usize) i32;
pub extern "hatchery_v1" fn send_named_at(name_ptr: [*]const u8, name_len: usize, node_ptr: [*]const u8, node_len: usize, ptr: [*]const u8, len: usize) i32;

// Receiving.
pub extern "hatchery_v1" fn recv(index: i32, timeout_ms: i64, buf_ptr: [*]u8, buf_len: usize, info: *RecvInfo) i32;
pub extern "hatchery_v1" fn take(index: i32) i32;
pub extern "hatchery_v1" fn mailbox_len() i32;
/// Inside `hatchery_handle` (and `hatchery_code_change`): copies the current message.
pub extern "hatchery_v1" fn message_read(ptr: [*]u8, len: usize) i32;

// Links and exit signals.
pub extern "hatchery_v1" fn link(pid: i64) i32;
pub extern "hatchery_v1" fn unlink(pid: i64) i32;
pub extern "hatchery_v1" fn trap_exit(flag: i32) i32;
pub extern "hatchery_v1" fn exit(kind: i32, detail_ptr: [*]const u8, detail_len: usize) noreturn;
pub extern "hatchery_v1" fn exit_signal(pid: i64, kind: i32, detail_ptr: [*]const u8, detail_len: usize) i32;

// Monitors.
pub extern "hatchery_v1" fn monitor(pid: i64) i64;
pub extern "hatchery_v1" fn demonitor(ref: i64, flags: i32) i32;

// Registered names.
pub extern "hatchery_v1" fn register(name_ptr: [*]const u8, name_len: usize, pid: i64) i32;
pub extern "hatchery_v1" fn unregister(name_ptr: [*]const u8, name_len: usize) i32;
pub extern "hatchery_v1" fn whereis(name_ptr: [*]const u8, name_len: usize) i64;

// Timers.
pub extern "hatchery_v1" fn send_after(pid: i64, delay_ms: i64, ptr: [*]const u8, len: usize) i64;
pub extern "hatchery_v1" fn cancel_timer(ref: i64) i64;

// Supervisors.
pub extern "hatchery_v1" fn sup_start_child(sup: i64, spec_ptr: [*]const u8, spec_len: usize) i64;
pub extern "hatchery_v1" fn sup_terminate_child(sup: i64, id_ptr: [*]const u8, id_len: usize) i32;
pub extern "hatchery_v1" fn sup_which_children(sup: i64, buf_ptr: [*]u8, buf_len: usize) i32;

// Hot code swap.
pub extern "hatchery_v1" fn module_version(name_ptr: [*]const u8, name_len: usize) i32;
pub extern "hatchery_v1" fn module_rollback(name_ptr: [*]const u8, name_len: usize) i32;
pub extern "hatchery_v1" fn hibernate() i32;

/// WASI's `fd_write`, the one WASI function the SDK uses (standard output and error are
/// captured per process).
pub const Ciovec = extern struct { base: [*]const u8, len: usize };
pub extern "wasi_snapshot_preview1" fn fd_write(fd: i32, iovs: [*]const Ciovec, iovs_len: usize, written: *usize) u16;
