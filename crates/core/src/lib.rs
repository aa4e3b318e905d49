//! Hatchery's process core: what an Erlang process is, without any Wasm.
//!
//! A [`Node`] owns the process table, the name registry, the timers, the supervisors and
//! the crash log. Processes are records ([`process::Process`]) with a mailbox and signal
//! state; their code is run by a [`launch::Launcher`] (the Wasm runtime of
//! `hatchery-wasm`) or by host Rust code ([`NativeProcess`]). Delivery to a process goes
//! through one narrow interface, [`Node::deliver`] for messages and the signal methods of
//! `process::signals` (link, unlink, monitor, demonitor, exit signals), so that another
//! transport can plug in without touching the runtime. See `ARCHITECTURE.md`.

#![warn(missing_docs)]

pub mod config;
pub mod crashlog;
pub mod events;
pub mod exit;
pub mod launch;
pub mod load;
pub mod machine;
pub mod message;
pub mod mint;
pub mod native;
pub mod node;
pub mod nodewatch;
pub mod pid;
pub mod process;
pub mod query;
pub mod recovery;
pub mod registry;
pub mod remote;
mod sched;
pub mod supervisor;
pub mod timers;
pub mod trace;

pub use config::{
    Budgets, DirGrant, Grants, MailboxOverflow, Membership, NodeConfig, UpgradePolicy, WasiGrants,
};
pub use events::{ExitRecord, NodeEvent, SwapRecord};
pub use exit::ExitReason;
pub use message::{Message, MessageKind, TraceTag};
pub use native::{Exited, NativeProcess};
pub use node::{Node, SpawnError, SpawnOpts, Spawned};
pub use pid::Pid;
pub use process::signals::{NoProc, OverCap};
