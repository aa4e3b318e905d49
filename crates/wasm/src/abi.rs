//! The `hatchery_v1` host ABI (guest-sdk/ABI.md), one file per concern, each with its own
//! `register`. Every function validates its pointers, lengths and ids: bad values become
//! error codes or, for memory outside the guest's bounds, the end of that process only.

pub(crate) mod calls;
mod code;
mod links;
mod memory;
mod messages;
mod names;
mod nodes;
mod process;
mod supervision;
mod timers;
pub(crate) mod wasi_sync;

use wasmtime::Linker;

use crate::runtime::state::ProcessState;

/// The import module name.
pub const MODULE: &str = "hatchery_v1";

/// Every function of `hatchery_v1`; the ABI contract test imports each one.
pub const FUNCTIONS: &[&str] = &[
    "self",
    "parent",
    "args_size",
    "args_read",
    "make_ref",
    "now_ms",
    "spawn",
    "spawn_at",
    "send",
    "send_named",
    "send_named_at",
    "node_name",
    "nodes",
    "pid_node",
    "monitor_node",
    "monitor_nodes",
    "recv",
    "take",
    "mailbox_len",
    "message_read",
    "link",
    "unlink",
    "trap_exit",
    "exit",
    "panic",
    "exit_signal",
    "monitor",
    "demonitor",
    "register",
    "unregister",
    "whereis",
    "send_after",
    "cancel_timer",
    "sup_start_child",
    "sup_terminate_child",
    "sup_which_children",
    "module_version",
    "module_rollback",
    "hibernate",
    "write",
];

/// The functions that may wait (defined async): a module importing one runs on a fiber.
pub const BLOCKING: &[&str] = &["recv", "spawn_at", "sup_start_child", "sup_terminate_child"];

/// Error codes (ABI.md §2).
pub mod err {
    /// `recv` timed out.
    pub const TIMEOUT: i32 = -1;
    /// No such live process.
    pub const NOPROC: i32 = -2;
    /// No process has that name.
    pub const NOT_REGISTERED: i32 = -3;
    /// The name is taken.
    pub const NAME_TAKEN: i32 = -4;
    /// The process already has a name.
    pub const ALREADY_REGISTERED: i32 = -5;
    /// A node limit.
    pub const LIMIT: i32 = -6;
    /// The message is too big.
    pub const TOO_BIG: i32 = -7;
    /// No message at that index.
    pub const NO_MESSAGE: i32 = -8;
    /// A bad name.
    pub const BAD_NAME: i32 = -9;
    /// Unknown reference.
    pub const NOT_FOUND: i32 = -10;
    /// An argument out of range.
    pub const BAD_ARG: i32 = -11;
    /// The module has no previous version to roll back to.
    pub const NO_VERSION: i32 = -12;
}

/// Adds every `hatchery_v1` function to the linker.
///
/// # Errors
///
/// Only if a name is defined twice (a programming error caught by the ABI contract test).
pub(crate) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    process::register(linker)?;
    messages::register(linker)?;
    links::register(linker)?;
    names::register(linker)?;
    nodes::register(linker)?;
    timers::register(linker)?;
    supervision::register(linker)?;
    code::register(linker)?;
    Ok(())
}
