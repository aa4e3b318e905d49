// The raw `hatchery_v1` imports and the ABI's constants (guest-sdk/ABI.md).
//
// Each import is declared exactly as ABI.md section 5 gives it: pointers and lengths are
// offsets into this module's memory, results are the raw ABI values (negative = an error
// code of section 2). The rest of the SDK wraps these in AssemblyScript types; reach for
// them directly only when the wrappers do not fit. An import that a program never calls
// does not appear in the built module.

/** A process id: a positive i64 (0 or negative names no live process). */
export type Pid = i64;

// ---- Error codes (ABI.md section 2) ---------------------------------------------------

/** `recv` found no message at the index before its timeout. */
export const ERR_TIMEOUT: i32 = -1;
/** The pid names no live process. */
export const ERR_NOPROC: i32 = -2;
/** No process is registered under that name. */
export const ERR_NOT_REGISTERED: i32 = -3;
/** Another process is already registered under that name. */
export const ERR_NAME_TAKEN: i32 = -4;
/** The process already has a registered name. */
export const ERR_ALREADY_REGISTERED: i32 = -5;
/** A node limit stops the call (the process-count cap for `spawn`). */
export const ERR_LIMIT: i32 = -6;
/** The message is larger than the node's maximum message size. */
export const ERR_TOO_BIG: i32 = -7;
/** There is no message at that mailbox index. */
export const ERR_NO_MESSAGE: i32 = -8;
/** A name is empty, longer than 255 bytes, or not UTF-8. */
export const ERR_BAD_NAME: i32 = -9;
/** The monitor or timer reference is unknown (fired, cancelled or removed). */
export const ERR_NOT_FOUND: i32 = -10;
/** Another argument is out of its range. */
export const ERR_BAD_ARG: i32 = -11;
/** The module has no previous version to roll back to. */
export const ERR_NO_VERSION: i32 = -12;

// ---- Message kinds (ABI.md section 4) -------------------------------------------------

/** A message sent with `send`, `send_named` or a timer. */
export const KIND_USER: u32 = 0;
/** An exit signal turned into a message (the process traps exits). */
export const KIND_EXIT: u32 = 1;
/** A monitor this process created fired. */
export const KIND_DOWN: u32 = 2;
/** A node connected (`monitor_nodes`); sender 0, the bytes are its name. */
export const KIND_NODEUP: u32 = 3;
/** A node disconnected (`monitor_node`, `monitor_nodes`); sender 0, the bytes are its name. */
export const KIND_NODEDOWN: u32 = 4;

// ---- Exit reason kinds (ABI.md section 3) ---------------------------------------------

export const REASON_NORMAL: u8 = 0;
export const REASON_KILLED: u8 = 1;
export const REASON_NOPROC: u8 = 2;
export const REASON_NOCONNECTION: u8 = 3;
export const REASON_SHUTDOWN: u8 = 4;
export const REASON_TRAP: u8 = 5;
export const REASON_LIMIT: u8 = 6;
export const REASON_CUSTOM: u8 = 7;
export const REASON_UNDEF: u8 = 8;

// ---- Flags and timeouts ---------------------------------------------------------------

/** `spawn`: link the caller and the child before the child runs. */
export const SPAWN_LINK: i32 = 1;
/** `spawn`: the caller monitors the child; the reference is written at `ref_out`. */
export const SPAWN_MONITOR: i32 = 2;
/** `demonitor`: also remove the monitor's `DOWN` message if it is queued. */
export const DEMONITOR_FLUSH: i32 = 1;

/** A receive timeout: only look at what is already queued. */
export const NOW: i64 = 0;
/** A receive timeout: wait forever (any negative value does). */
export const INFINITY: i64 = -1;

// ---- Identity and arguments -----------------------------------------------------------

@external("hatchery_v1", "self")
export declare function self(): i64;
@external("hatchery_v1", "parent")
export declare function parent(): i64;
@external("hatchery_v1", "args_size")
export declare function args_size(): i32;
@external("hatchery_v1", "args_read")
export declare function args_read(ptr: usize, len: i32): i32;
@external("hatchery_v1", "make_ref")
export declare function make_ref(): i64;
@external("hatchery_v1", "now_ms")
export declare function now_ms(): i64;
@external("hatchery_v1", "node_name")
export declare function node_name(ptr: usize, cap: i32): i32;

// ---- Spawning and sending -------------------------------------------------------------

@external("hatchery_v1", "spawn")
export declare function spawn(
  name_ptr: usize, name_len: i32, args_ptr: usize, args_len: i32, flags: i32, ref_out: usize,
): i64;
@external("hatchery_v1", "spawn_at")
export declare function spawn_at(
  node_ptr: usize, node_len: i32, name_ptr: usize, name_len: i32, args_ptr: usize,
  args_len: i32, flags: i32, ref_out: usize,
): i64;
@external("hatchery_v1", "send")
export declare function send(pid: i64, ptr: usize, len: i32): i32;
@external("hatchery_v1", "send_named")
export declare function send_named(name_ptr: usize, name_len: i32, ptr: usize, len: i32): i32;
@external("hatchery_v1", "send_named_at")
export declare function send_named_at(
  name_ptr: usize, name_len: i32, node_ptr: usize, node_len: i32, ptr: usize, len: i32,
): i32;

// ---- Receiving ------------------------------------------------------------------------

/** Writes 16 bytes at `info_ptr`: u32 kind, u32 reserved, i64 sender. */
@external("hatchery_v1", "recv")
export declare function recv(index: i32, timeout_ms: i64, buf_ptr: usize, buf_len: i32, info_ptr: usize): i32;
@external("hatchery_v1", "take")
export declare function take(index: i32): i32;
@external("hatchery_v1", "mailbox_len")
export declare function mailbox_len(): i32;
/** Inside `hatchery_handle` (or `hatchery_code_change`): the bytes being handled. */
@external("hatchery_v1", "message_read")
export declare function message_read(ptr: usize, len: i32): i32;

// ---- Links, exit signals, monitors ----------------------------------------------------

@external("hatchery_v1", "link")
export declare function link(pid: i64): i32;
@external("hatchery_v1", "unlink")
export declare function unlink(pid: i64): i32;
@external("hatchery_v1", "trap_exit")
export declare function trap_exit(flag: i32): i32;
/** Does not return. Allowed kinds: normal, shutdown, custom (others trap). */
@external("hatchery_v1", "exit")
export declare function exit(kind: i32, detail_ptr: usize, detail_len: i32): void;
@external("hatchery_v1", "exit_signal")
export declare function exit_signal(pid: i64, kind: i32, detail_ptr: usize, detail_len: i32): i32;
@external("hatchery_v1", "monitor")
export declare function monitor(pid: i64): i64;
@external("hatchery_v1", "demonitor")
export declare function demonitor(ref: i64, flags: i32): i32;

// ---- Nodes ----------------------------------------------------------------------------

/** The other connected nodes' names, each followed by `\n`; returns the full size. */
@external("hatchery_v1", "nodes")
export declare function nodes(ptr: usize, cap: i32): i32;
@external("hatchery_v1", "pid_node")
export declare function pid_node(pid: i64, ptr: usize, cap: i32): i32;
@external("hatchery_v1", "monitor_node")
export declare function monitor_node(node_ptr: usize, node_len: i32, flag: i32): i32;
@external("hatchery_v1", "monitor_nodes")
export declare function monitor_nodes(flag: i32): i32;

// ---- Names, timers, code --------------------------------------------------------------

@external("hatchery_v1", "register")
export declare function register(name_ptr: usize, name_len: i32, pid: i64): i32;
@external("hatchery_v1", "unregister")
export declare function unregister(name_ptr: usize, name_len: i32): i32;
@external("hatchery_v1", "whereis")
export declare function whereis(name_ptr: usize, name_len: i32): i64;
@external("hatchery_v1", "send_after")
export declare function send_after(pid: i64, delay_ms: i64, ptr: usize, len: i32): i64;
@external("hatchery_v1", "cancel_timer")
export declare function cancel_timer(ref: i64): i64;
@external("hatchery_v1", "hibernate")
export declare function hibernate(): i32;
@external("hatchery_v1", "module_version")
export declare function module_version(name_ptr: usize, name_len: i32): i32;
@external("hatchery_v1", "module_rollback")
export declare function module_rollback(name_ptr: usize, name_len: i32): i32;

// ---- Supervisors ----------------------------------------------------------------------

@external("hatchery_v1", "sup_start_child")
export declare function sup_start_child(sup: i64, spec_ptr: usize, spec_len: i32): i64;
@external("hatchery_v1", "sup_terminate_child")
export declare function sup_terminate_child(sup: i64, id_ptr: usize, id_len: i32): i32;
@external("hatchery_v1", "sup_which_children")
export declare function sup_which_children(sup: i64, buf_ptr: usize, buf_len: i32): i32;

// ---- WASI: the only call the SDK needs, for standard output and error -----------------

/** Writes the iovecs at `iovs` (ptr, len pairs of u32) to `fd`; stores the count written. */
@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: i32, iovs: usize, iovs_len: i32, nwritten: usize): i32;
