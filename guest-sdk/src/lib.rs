//! # hatchery-sdk
//!
//! The guest side of Hatchery: write Erlang-style processes in Rust,
//! build them for `wasm32-wasip1`, and let a Hatchery node run each one as its own
//! WebAssembly instance.
//!
//! The crate is a thin, safe layer over the `hatchery_v1` imports described in `ABI.md`
//! (beside this crate). The raw imports live in [`sys`]; everything else is safe Rust.
//! Typed messages and spawn arguments are JSON (serde_json); raw bytes are always available
//! through the `*_bytes` functions.
//!
//! A guest is an ordinary binary crate: `fn main()` is the process, returning from it ends
//! the process with reason `normal`, and `println!` / `eprintln!` go to the process's
//! captured stdout / stderr.
//!
//! ```no_run
//! use hatchery_sdk::{Message, Timeout, receive};
//!
//! // An echo server: send every user message back to its sender until told to stop.
//! fn main() {
//!     loop {
//!         match receive(Timeout::Infinity) {
//!             Some(msg @ Message::User { .. }) if msg.decode::<String>().as_deref() == Some("stop") => break,
//!             Some(Message::User { from, data }) => {
//!                 let _ = from.send_bytes(&data);
//!             }
//!             _ => {}
//!         }
//!     }
//! }
//! ```
//!
//! Outside a Hatchery process (for example in `cargo test` on the host) the functions that
//! call the host panic with "hatchery-sdk only runs inside a Hatchery process"; the pure
//! parts ([`ExitReason`], [`Error`], [`Timeout`], [`Pid`]) work everywhere.

#![deny(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod message;
mod node;
mod pid;
mod process;
mod reason;
mod registry;
pub mod server;
#[allow(unsafe_code)]
pub mod sys;
mod timeout;
mod timer;

pub use error::Error;
pub use message::{
    Message, mailbox_len, node, receive, receive_json, receive_match, send_named, send_named_at,
    send_named_at_bytes, send_named_bytes,
};
pub use node::{monitor_node, monitor_nodes, nodes, pid_node};
pub use pid::{MonitorRef, Pid, TimerRef};
pub use process::{
    SpawnOpts, args, args_json, demonitor, exit, exit_signal, kill, link, make_ref, monitor,
    now_ms, self_pid, spawn, spawn_at, spawn_at_bytes, spawn_bytes, spawn_link, spawn_monitor,
    trap_exit, unlink,
};
pub use reason::ExitReason;
pub use registry::{module_rollback, module_version, register, unregister, whereis};
pub use timeout::Timeout;
pub use timer::{cancel_timer, send_after, send_after_bytes};
