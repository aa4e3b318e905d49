//! The raw `hatchery_v1` imports and the ABI constants, with thin safe wrappers.
//!
//! This is the only module of the crate that contains `unsafe` code. The imports are declared
//! exactly as in `ABI.md` section 5; each wrapper turns Rust slices into the `(ptr, len)`
//! pairs the host expects and returns the raw ABI result (a negative number is an error code
//! from section 2). Most programs should use the typed API at the crate root instead.
//!
//! On targets other than `wasm32` (for `cargo test` and `cargo doc` on a developer machine)
//! the imports are replaced by stubs that panic with
//! "hatchery-sdk only runs inside a Hatchery process".

/// `recv`: no message at the index before the timeout.
pub const ERR_TIMEOUT: i32 = -1;
/// The pid names no live process.
pub const ERR_NOPROC: i32 = -2;
/// No process is registered under that name.
pub const ERR_NOT_REGISTERED: i32 = -3;
/// Another process is already registered under that name.
pub const ERR_NAME_TAKEN: i32 = -4;
/// The process already has a registered name.
pub const ERR_ALREADY_REGISTERED: i32 = -5;
/// A node limit stops the call (the process-count cap for `spawn`).
pub const ERR_LIMIT: i32 = -6;
/// The message is larger than the node's maximum message size.
pub const ERR_TOO_BIG: i32 = -7;
/// There is no message at that mailbox index.
pub const ERR_NO_MESSAGE: i32 = -8;
/// A name is empty, longer than 255 bytes, or not UTF-8.
pub const ERR_BAD_NAME: i32 = -9;
/// The monitor or timer reference is unknown.
pub const ERR_NOT_FOUND: i32 = -10;
/// Another argument is out of its range.
pub const ERR_BAD_ARG: i32 = -11;
/// The module has no previous version to roll back to.
pub const ERR_NO_VERSION: i32 = -12;

/// `spawn` flag: link the caller and the child.
pub const SPAWN_LINK: i32 = 1;
/// `spawn` flag: the caller monitors the child; the reference is written at `ref_out`.
pub const SPAWN_MONITOR: i32 = 2;
/// `demonitor` flag: also remove a queued `DOWN` message of that monitor.
pub const DEMONITOR_FLUSH: i32 = 1;

/// Message kind: a message sent with `send`, `send_named` or a timer.
pub const KIND_USER: u32 = 0;
/// Message kind: an exit signal turned into a message (the process traps exits).
pub const KIND_EXIT: u32 = 1;
/// Message kind: a monitor fired.
pub const KIND_DOWN: u32 = 2;
/// Message kind: a node connected (`monitor_nodes`); the bytes are its name.
pub const KIND_NODEUP: u32 = 3;
/// Message kind: a node disconnected (`monitor_node`, `monitor_nodes`); the bytes are its
/// name.
pub const KIND_NODEDOWN: u32 = 4;

/// Exit reason kind `normal`.
pub const REASON_NORMAL: u8 = 0;
/// Exit reason kind `killed`.
pub const REASON_KILLED: u8 = 1;
/// Exit reason kind `noproc`.
pub const REASON_NOPROC: u8 = 2;
/// Exit reason kind `noconnection`.
pub const REASON_NOCONNECTION: u8 = 3;
/// Exit reason kind `shutdown`.
pub const REASON_SHUTDOWN: u8 = 4;
/// Exit reason kind `trap` (detail: UTF-8 message, newline, backtrace).
pub const REASON_TRAP: u8 = 5;
/// Exit reason kind `limit` (detail: `memory` or `mailbox`).
pub const REASON_LIMIT: u8 = 6;
/// Exit reason kind `custom` (detail: any bytes).
pub const REASON_CUSTOM: u8 = 7;
/// Exit reason kind `undef` (detail: UTF-8, what was missing).
pub const REASON_UNDEF: u8 = 8;

/// The 16-byte metadata block `recv` writes (ABI section 5, Receiving).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecvInfo {
    /// [`KIND_USER`], [`KIND_EXIT`] or [`KIND_DOWN`].
    pub kind: u32,
    /// The sender pid (0 for a user message from outside the node).
    pub sender: i64,
}

impl RecvInfo {
    /// Parses the block as the host wrote it: `u32` kind, `u32` reserved, `i64` sender, all
    /// little-endian.
    pub fn from_bytes(raw: &[u8; 16]) -> RecvInfo {
        let [k0, k1, k2, k3, _, _, _, _, s @ ..] = *raw;
        RecvInfo {
            kind: u32::from_le_bytes([k0, k1, k2, k3]),
            sender: i64::from_le_bytes(s),
        }
    }
}

/// The imports themselves (ABI.md section 5).
#[cfg(target_arch = "wasm32")]
mod ffi {
    #[link(wasm_import_module = "hatchery_v1")]
    // SAFETY: the signatures are exactly those of ABI.md section 5. The functions marked `safe`
    // take and return plain integers only: they touch no guest memory, so calling them cannot
    // break any Rust invariant. Some of them may end the calling process (`link` to a dead pid
    // without trapping exits), which, like `abort`, runs no further guest code and is safe.
    unsafe extern "C" {
        #[link_name = "self"]
        pub(super) safe fn self_pid() -> i64;
        pub(super) safe fn parent() -> i64;
        pub(super) safe fn args_size() -> i32;
        pub(super) fn args_read(ptr: i32, len: i32) -> i32;
        pub(super) fn message_read(ptr: i32, len: i32) -> i32;
        pub(super) fn sup_start_child(sup: i64, ptr: i32, len: i32) -> i64;
        pub(super) fn sup_terminate_child(sup: i64, ptr: i32, len: i32) -> i32;
        pub(super) fn sup_which_children(sup: i64, ptr: i32, len: i32) -> i32;
        pub(super) safe fn make_ref() -> i64;
        pub(super) safe fn now_ms() -> i64;
        pub(super) fn spawn(
            name_ptr: i32,
            name_len: i32,
            args_ptr: i32,
            args_len: i32,
            flags: i32,
            ref_out: i32,
        ) -> i64;
        #[allow(clippy::too_many_arguments)]
        pub(super) fn spawn_at(
            node_ptr: i32,
            node_len: i32,
            name_ptr: i32,
            name_len: i32,
            args_ptr: i32,
            args_len: i32,
            flags: i32,
            ref_out: i32,
        ) -> i64;
        pub(super) fn send(pid: i64, ptr: i32, len: i32) -> i32;
        pub(super) fn send_named(name_ptr: i32, name_len: i32, ptr: i32, len: i32) -> i32;
        pub(super) fn send_named_at(
            name_ptr: i32,
            name_len: i32,
            node_ptr: i32,
            node_len: i32,
            ptr: i32,
            len: i32,
        ) -> i32;
        pub(super) fn node_name(ptr: i32, len: i32) -> i32;
        pub(super) fn nodes(ptr: i32, len: i32) -> i32;
        pub(super) fn pid_node(pid: i64, ptr: i32, len: i32) -> i32;
        pub(super) fn monitor_node(ptr: i32, len: i32, flag: i32) -> i32;
        pub(super) safe fn monitor_nodes(flag: i32) -> i32;
        pub(super) fn recv(
            index: i32,
            timeout_ms: i64,
            buf_ptr: i32,
            buf_len: i32,
            info_ptr: i32,
        ) -> i32;
        pub(super) safe fn take(index: i32) -> i32;
        pub(super) safe fn mailbox_len() -> i32;
        pub(super) safe fn link(pid: i64) -> i32;
        pub(super) safe fn unlink(pid: i64) -> i32;
        pub(super) safe fn trap_exit(flag: i32) -> i32;
        pub(super) fn exit(kind: i32, detail_ptr: i32, detail_len: i32);
        pub(super) fn panic(ptr: i32, len: i32);
        pub(super) fn exit_signal(pid: i64, kind: i32, detail_ptr: i32, detail_len: i32) -> i32;
        pub(super) safe fn monitor(pid: i64) -> i64;
        pub(super) safe fn demonitor(reference: i64, flags: i32) -> i32;
        pub(super) fn register(name_ptr: i32, name_len: i32, pid: i64) -> i32;
        pub(super) fn unregister(name_ptr: i32, name_len: i32) -> i32;
        pub(super) fn whereis(name_ptr: i32, name_len: i32) -> i64;
        pub(super) fn module_version(name_ptr: i32, name_len: i32) -> i32;
        pub(super) safe fn hibernate() -> i32;
        pub(super) fn module_rollback(name_ptr: i32, name_len: i32) -> i32;
        pub(super) fn send_after(pid: i64, delay_ms: i64, ptr: i32, len: i32) -> i64;
        pub(super) safe fn cancel_timer(reference: i64) -> i64;
    }
}

/// Stand-ins for the imports on non-Wasm targets, so the crate builds, documents and runs its
/// unit tests natively. They have the same safety as the imports so call sites are identical.
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::missing_safety_doc)]
mod ffi {
    const OUTSIDE: &str = "hatchery-sdk only runs inside a Hatchery process";

    pub fn self_pid() -> i64 {
        panic!("{OUTSIDE}")
    }
    pub fn args_size() -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn args_read(_: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn parent() -> i64 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn message_read(_: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn sup_start_child(_: i64, _: i32, _: i32) -> i64 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn sup_terminate_child(_: i64, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn sup_which_children(_: i64, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn make_ref() -> i64 {
        panic!("{OUTSIDE}")
    }
    pub fn now_ms() -> i64 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn spawn(_: i32, _: i32, _: i32, _: i32, _: i32, _: i32) -> i64 {
        panic!("{OUTSIDE}")
    }
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn spawn_at(_: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32, _: i32) -> i64 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn send(_: i64, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn send_named(_: i32, _: i32, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn send_named_at(_: i32, _: i32, _: i32, _: i32, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn node_name(_: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn nodes(_: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn pid_node(_: i64, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn monitor_node(_: i32, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn monitor_nodes(_: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn recv(_: i32, _: i64, _: i32, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn take(_: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn mailbox_len() -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn link(_: i64) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn unlink(_: i64) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn trap_exit(_: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn exit(_: i32, _: i32, _: i32) {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn panic(_: i32, _: i32) {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn exit_signal(_: i64, _: i32, _: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn monitor(_: i64) -> i64 {
        panic!("{OUTSIDE}")
    }
    pub fn demonitor(_: i64, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn register(_: i32, _: i32, _: i64) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn unregister(_: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn whereis(_: i32, _: i32) -> i64 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn module_version(_: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub fn hibernate() -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn module_rollback(_: i32, _: i32) -> i32 {
        panic!("{OUTSIDE}")
    }
    pub unsafe fn send_after(_: i64, _: i64, _: i32, _: i32) -> i64 {
        panic!("{OUTSIDE}")
    }
    pub fn cancel_timer(_: i64) -> i64 {
        panic!("{OUTSIDE}")
    }
}

/// A guest address as the ABI's `i32` (read as unsigned by the host).
fn addr(ptr: *const u8) -> i32 {
    ptr as usize as i32
}

/// A length as the ABI's `i32` (read as unsigned by the host; a slice in a 32-bit address
/// space is shorter than 2^31 bytes).
fn len(n: usize) -> i32 {
    n as i32
}

/// `self() -> i64`: the calling process's pid.
pub fn self_pid() -> i64 {
    ffi::self_pid()
}

/// `args_size() -> i32`: the size of the argument bytes.
pub fn args_size() -> i32 {
    ffi::args_size()
}

/// `args_read(ptr, len) -> i32`: copies `min(buf.len(), size)` argument bytes into `buf` and
/// returns the number copied.
pub fn args_read(buf: &mut [u8]) -> i32 {
    // SAFETY: `buf` is a live, exclusively borrowed slice; the host writes at most
    // `buf.len()` bytes at its start during the call and keeps no reference to it.
    unsafe { ffi::args_read(addr(buf.as_mut_ptr()), len(buf.len())) }
}

/// `message_read(ptr, len) -> i32`: copies `min(buf.len(), size)` bytes of the message a
/// behaviour is handling into `buf`; returns its full size or `ERR_NO_MESSAGE`.
pub fn message_read(buf: &mut [u8]) -> i32 {
    // SAFETY: `buf` is a live, exclusively borrowed slice; the host writes at most
    // `buf.len()` bytes at its start during the call and keeps no reference to it.
    unsafe { ffi::message_read(addr(buf.as_mut_ptr()), len(buf.len())) }
}

/// `sup_start_child(sup, spec) -> i64`: the child's pid, 0, or an error code.
pub fn sup_start_child(sup: i64, spec: &[u8]) -> i64 {
    // SAFETY: `spec` is a live slice the host only reads during the call.
    unsafe { ffi::sup_start_child(sup, addr(spec.as_ptr()), len(spec.len())) }
}

/// `sup_terminate_child(sup, id) -> i32`: 0 or an error code.
pub fn sup_terminate_child(sup: i64, id: &[u8]) -> i32 {
    // SAFETY: `id` is a live slice the host only reads during the call.
    unsafe { ffi::sup_terminate_child(sup, addr(id.as_ptr()), len(id.len())) }
}

/// `sup_which_children(sup, buf) -> i32`: copies the JSON list into `buf`, returns its size.
pub fn sup_which_children(sup: i64, buf: &mut [u8]) -> i32 {
    // SAFETY: `buf` is a live, exclusively borrowed slice; the host writes at most
    // `buf.len()` bytes at its start during the call and keeps no reference to it.
    unsafe { ffi::sup_which_children(sup, addr(buf.as_mut_ptr()), len(buf.len())) }
}

/// `parent() -> i64`: the spawning process's pid, or 0.
pub fn parent() -> i64 {
    ffi::parent()
}

/// `make_ref() -> i64`: a reference unique within the node.
pub fn make_ref() -> i64 {
    ffi::make_ref()
}

/// `now_ms() -> i64`: milliseconds on the node's monotonic clock.
pub fn now_ms() -> i64 {
    ffi::now_ms()
}

/// `spawn(...) -> i64`: the child's pid or an error code. With [`SPAWN_MONITOR`] the host
/// writes the monitor reference to `ref_out`.
pub fn spawn(name: &[u8], args: &[u8], flags: i32, ref_out: &mut i64) -> i64 {
    let out: *mut i64 = ref_out;
    // SAFETY: `name` and `args` are live slices the host only reads during the call;
    // `ref_out` is an exclusively borrowed, aligned `i64`, the 8 bytes the host may write
    // (little-endian, which is the `i64` layout on Wasm).
    unsafe {
        ffi::spawn(
            addr(name.as_ptr()),
            len(name.len()),
            addr(args.as_ptr()),
            len(args.len()),
            flags,
            addr(out.cast::<u8>()),
        )
    }
}

/// `spawn_at(node, name, args, flags, ref_out) -> i64`: the child's pid on that node, or
/// an error code; waits for the other node's answer.
pub fn spawn_at(node: &[u8], name: &[u8], args: &[u8], flags: i32, ref_out: &mut i64) -> i64 {
    let out: *mut i64 = ref_out;
    // SAFETY: as `spawn`: the slices are only read during the call, and `ref_out` is an
    // exclusively borrowed, aligned `i64`.
    unsafe {
        ffi::spawn_at(
            addr(node.as_ptr()),
            len(node.len()),
            addr(name.as_ptr()),
            len(name.len()),
            addr(args.as_ptr()),
            len(args.len()),
            flags,
            addr(out.cast::<u8>()),
        )
    }
}

/// `send(pid, ptr, len) -> i32`: 0 or an error code.
pub fn send(pid: i64, msg: &[u8]) -> i32 {
    // SAFETY: `msg` is a live slice the host only reads during the call.
    unsafe { ffi::send(pid, addr(msg.as_ptr()), len(msg.len())) }
}

/// `send(pid, ptr, len)` with an arbitrary guest address, unchecked on the guest side.
///
/// This exists to test the host: a range outside linear memory must end the *calling*
/// process with reason `trap` (ABI section 2), and nothing else. It is safe to call because
/// the host only reads the range (a range inside memory just sends whatever bytes are there)
/// and never writes guest memory for `send`.
pub fn send_raw(pid: i64, ptr: u32, length: u32) -> i32 {
    // SAFETY: `send` only reads guest memory, and the host bounds-checks the range against
    // linear memory, ending this process on a fault; no Rust object can be modified.
    unsafe { ffi::send(pid, ptr as i32, length as i32) }
}

/// `send_named(name, msg) -> i32`: 0 or an error code.
pub fn send_named(name: &[u8], msg: &[u8]) -> i32 {
    // SAFETY: `name` and `msg` are live slices the host only reads during the call.
    unsafe {
        ffi::send_named(
            addr(name.as_ptr()),
            len(name.len()),
            addr(msg.as_ptr()),
            len(msg.len()),
        )
    }
}

/// `send_named_at(name, node, msg) -> i32`: 0 or an error code.
pub fn send_named_at(name: &[u8], node: &[u8], msg: &[u8]) -> i32 {
    // SAFETY: the three are live slices the host only reads during the call.
    unsafe {
        ffi::send_named_at(
            addr(name.as_ptr()),
            len(name.len()),
            addr(node.as_ptr()),
            len(node.len()),
            addr(msg.as_ptr()),
            len(msg.len()),
        )
    }
}

/// `node_name(buf, cap) -> i32`: copies `min(buf.len(), size)` bytes of the node's name
/// into `buf`; returns the name's full size.
pub fn node_name(buf: &mut [u8]) -> i32 {
    // SAFETY: `buf` is a live, exclusively borrowed slice; the host writes at most
    // `buf.len()` bytes at its start during the call and keeps no reference to it.
    unsafe { ffi::node_name(addr(buf.as_mut_ptr()), len(buf.len())) }
}

/// `nodes(buf, cap) -> i32`: the other connected nodes' names, each followed by `\n`,
/// copied as [`node_name`] copies; returns the full size.
pub fn nodes(buf: &mut [u8]) -> i32 {
    // SAFETY: as `node_name`.
    unsafe { ffi::nodes(addr(buf.as_mut_ptr()), len(buf.len())) }
}

/// `pid_node(pid, buf, cap) -> i32`: the name of `pid`'s node, copied as [`node_name`]
/// copies; returns the full size.
pub fn pid_node(pid: i64, buf: &mut [u8]) -> i32 {
    // SAFETY: as `node_name`.
    unsafe { ffi::pid_node(pid, addr(buf.as_mut_ptr()), len(buf.len())) }
}

/// `monitor_node(name, flag) -> i32`.
pub fn monitor_node(node: &[u8], flag: i32) -> i32 {
    // SAFETY: `node` is a live slice the host only reads during the call.
    unsafe { ffi::monitor_node(addr(node.as_ptr()), len(node.len()), flag) }
}

/// `monitor_nodes(flag) -> i32`.
pub fn monitor_nodes(flag: i32) -> i32 {
    ffi::monitor_nodes(flag)
}

/// `recv(index, timeout_ms, buf, cap, info) -> i32`, receiving into the spare capacity of
/// `buf`.
///
/// `buf` is cleared, then holds the first `min(size, buf.capacity())` bytes of the message;
/// the full size is returned (compare it with `buf.len()` to detect truncation). On an error
/// code `buf` is empty and `info` unchanged.
pub fn recv(index: i32, timeout_ms: i64, buf: &mut Vec<u8>, info: &mut RecvInfo) -> i32 {
    buf.clear();
    let cap = buf.capacity();
    let mut raw = [0u8; 16];
    // SAFETY: `buf.as_mut_ptr()` is valid for writes of `cap` bytes (the Vec's allocation)
    // and `raw` for 16; the host writes at most `min(size, cap)` bytes and the 16-byte
    // block during the call and keeps no reference.
    let n = unsafe {
        ffi::recv(
            index,
            timeout_ms,
            addr(buf.as_mut_ptr()),
            len(cap),
            addr(raw.as_mut_ptr()),
        )
    };
    if n >= 0 {
        let copied = (n as usize).min(cap);
        // SAFETY: on success the host has initialised exactly the first `min(size, cap)`
        // bytes of the buffer (ABI section 5, Receiving), and `copied <= cap`.
        unsafe { buf.set_len(copied) };
        *info = RecvInfo::from_bytes(&raw);
    }
    n
}

/// `take(index) -> i32`: removes the message at `index`; 0 or [`ERR_NO_MESSAGE`].
pub fn take(index: i32) -> i32 {
    ffi::take(index)
}

/// `mailbox_len() -> i32`: the number of queued messages.
pub fn mailbox_len() -> i32 {
    ffi::mailbox_len()
}

/// `link(pid) -> i32`: 0 or [`ERR_NOPROC`].
pub fn link(pid: i64) -> i32 {
    ffi::link(pid)
}

/// `unlink(pid) -> i32`: 0.
pub fn unlink(pid: i64) -> i32 {
    ffi::unlink(pid)
}

/// `trap_exit(flag) -> i32`: the previous setting (0 or 1).
pub fn trap_exit(flag: i32) -> i32 {
    ffi::trap_exit(flag)
}

/// `exit(kind, detail)`: ends the calling process. Allowed kinds: normal, shutdown, custom
/// (the host traps the process on others).
pub fn exit(kind: i32, detail: &[u8]) -> ! {
    let (ptr, length) = if detail.is_empty() {
        (0, 0)
    } else {
        (addr(detail.as_ptr()), len(detail.len()))
    };
    // SAFETY: `detail` is a live slice the host only reads; (0, 0) is the ABI's "no detail".
    unsafe { ffi::exit(kind, ptr, length) };
    // The host does not return from `exit`; if it ever did, stop here rather than run on.
    std::process::abort()
}

/// `panic(text)`: ends the calling process with reason `trap`, the text first, and writes
/// the text to its stderr (the host does both, so a panic costs no hardware trap).
pub fn panic(text: &str) -> ! {
    // SAFETY: `text` is a live slice the host only reads.
    unsafe { ffi::panic(addr(text.as_ptr()), len(text.len())) };
    std::process::abort()
}

/// Runs before `main` (and before a behaviour's first callback): a Rust panic ends the
/// process through the host's [`panic`], with Rust's own text (`panicked at
/// FILE:LINE:COL:` and the payload) first in its `trap` reason and on its stderr, instead
/// of printing and trapping on `unreachable`. A program that sets its own hook replaces
/// this one. wasm-ld calls the functions of `.init_array` from `__wasm_call_ctors`, which
/// the WASI start code runs first.
#[cfg(target_arch = "wasm32")]
#[used]
#[unsafe(link_section = ".init_array")]
static PANIC_HOOK: extern "C" fn() = {
    extern "C" fn install() {
        std::panic::set_hook(Box::new(|info| panic(&info.to_string())));
    }
    install
};

/// `exit_signal(pid, kind, detail) -> i32`: 0 or [`ERR_NOPROC`] / [`ERR_BAD_ARG`].
pub fn exit_signal(pid: i64, kind: i32, detail: &[u8]) -> i32 {
    let (ptr, length) = if detail.is_empty() {
        (0, 0)
    } else {
        (addr(detail.as_ptr()), len(detail.len()))
    };
    // SAFETY: `detail` is a live slice the host only reads during the call.
    unsafe { ffi::exit_signal(pid, kind, ptr, length) }
}

/// `monitor(pid) -> i64`: a monitor reference.
pub fn monitor(pid: i64) -> i64 {
    ffi::monitor(pid)
}

/// `demonitor(ref, flags) -> i32`: 0 or [`ERR_NOT_FOUND`].
pub fn demonitor(reference: i64, flags: i32) -> i32 {
    ffi::demonitor(reference, flags)
}

/// `register(name, pid) -> i32`: 0 or an error code.
pub fn register(name: &[u8], pid: i64) -> i32 {
    // SAFETY: `name` is a live slice the host only reads during the call.
    unsafe { ffi::register(addr(name.as_ptr()), len(name.len()), pid) }
}

/// `unregister(name) -> i32`: 0 or [`ERR_NOT_REGISTERED`].
pub fn unregister(name: &[u8]) -> i32 {
    // SAFETY: `name` is a live slice the host only reads during the call.
    unsafe { ffi::unregister(addr(name.as_ptr()), len(name.len())) }
}

/// `whereis(name) -> i64`: the registered pid, or 0 when the name is free.
pub fn whereis(name: &[u8]) -> i64 {
    // SAFETY: `name` is a live slice the host only reads during the call.
    unsafe { ffi::whereis(addr(name.as_ptr()), len(name.len())) }
}

/// `hibernate() -> i32`: asks the host to hibernate this behaviour process after the
/// current callback; 0.
pub fn hibernate() -> i32 {
    ffi::hibernate()
}

/// `module_version(name) -> i32`: the current version of a module, or [`ERR_NOT_FOUND`].
pub fn module_version(name: &[u8]) -> i32 {
    // SAFETY: `name` is a live slice the host only reads during the call.
    unsafe { ffi::module_version(addr(name.as_ptr()), len(name.len())) }
}

/// `module_rollback(name) -> i32`: makes the previous version current again; returns that
/// version, [`ERR_NOT_FOUND`] or [`ERR_NO_VERSION`].
pub fn module_rollback(name: &[u8]) -> i32 {
    // SAFETY: `name` is a live slice the host only reads during the call.
    unsafe { ffi::module_rollback(addr(name.as_ptr()), len(name.len())) }
}

/// `send_after(pid, delay_ms, msg) -> i64`: a timer reference or an error code.
pub fn send_after(pid: i64, delay_ms: i64, msg: &[u8]) -> i64 {
    // SAFETY: `msg` is a live slice the host only reads (and copies) during the call.
    unsafe { ffi::send_after(pid, delay_ms, addr(msg.as_ptr()), len(msg.len())) }
}

/// `cancel_timer(ref) -> i64`: the milliseconds that were left, or [`ERR_NOT_FOUND`].
pub fn cancel_timer(reference: i64) -> i64 {
    ffi::cancel_timer(reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recv_info_is_little_endian_kind_then_sender() {
        let mut raw = [0u8; 16];
        raw[0] = 2;
        raw[8..].copy_from_slice(&42i64.to_le_bytes());
        assert_eq!(
            RecvInfo::from_bytes(&raw),
            RecvInfo {
                kind: KIND_DOWN,
                sender: 42
            }
        );
    }

    #[test]
    #[should_panic(expected = "hatchery-sdk only runs inside a Hatchery process")]
    fn imports_panic_outside_a_process() {
        self_pid();
    }
}
