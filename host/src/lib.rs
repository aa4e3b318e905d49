//! Hatchery: Erlang-style processes on WebAssembly.
//!
//! A [`Node`] runs many processes; each is its own Wasm instance with its own linear
//! memory, driven by a tokio task. Processes spawn, send, receive selectively, link,
//! monitor, register names and set timers through the `hatchery_v1` ABI
//! (`guest-sdk/ABI.md`). See `ARCHITECTURE.md` for how the parts fit.
//!
//! This crate is the facade of the layers below it, each a crate of the workspace that
//! depends only downwards: `hatchery-core` (processes, signals, names, timers,
//! supervisors; no Wasm), `hatchery-wasm` (modules, instances, the ABI, hot swap) and
//! `hatchery-http` (the API and the inspector). It adds application manifests
//! ([`manifest`]) and the `hatchery` command.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use hatchery::{Node, NodeConfig, SpawnOpts};
//! let node = Node::new(NodeConfig::default())?;
//! node.load_module_dir(std::path::Path::new("modules/target/wasm32-wasip1/release"));
//! let me = node.spawn_native("shell")?;
//! let child = me.spawn("pingpong", br#"{"rounds": 10}"#.to_vec(), false, true)?;
//! let down = me.recv(None).await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod manifest;

pub use hatchery_core::{
    config, crashlog, events, exit, launch, message, native, pid, process, query, recovery,
    registry, remote, supervisor, timers, trace,
};
pub use hatchery_dist as dist;
pub use hatchery_http as http;
pub use hatchery_wasm::{abi, component, runtime, swap, sys, watch};

/// The process core's node: what native processes and launchers hold (a [`Node`]
/// dereferences to it).
pub use hatchery_core::Node as CoreNode;
pub use hatchery_core::Pid;
pub use hatchery_core::{
    Budgets, DirGrant, ExitReason, ExitRecord, Exited, Grants, MailboxOverflow, Membership,
    Message, MessageKind, NativeProcess, NoProc, NodeConfig, NodeEvent, OverCap, SpawnError,
    SpawnOpts, Spawned, SwapRecord, TraceTag, UpgradePolicy, WasiGrants,
};
pub use hatchery_wasm::{LoadCause, LoadError, LoadedModule, ModuleInfo, Node, VersionInfo};
