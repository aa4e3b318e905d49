//! Hatchery: Erlang-style processes on WebAssembly.
//!
//! A [`Node`] runs many processes; each is its own Wasm instance with its own linear
//! memory, driven by a tokio task. Processes spawn, send, receive selectively, link,
//! monitor, register names and set timers through the `hatchery_v1` ABI
//! (`guest-sdk/ABI.md`). See `ARCHITECTURE.md` for how the parts fit.
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

pub mod abi;
pub mod component;
pub mod config;
pub mod crashlog;
pub mod events;
pub mod exit;
pub mod http;
pub mod manifest;
pub mod message;
pub mod native;
pub mod node;
pub mod pid;
pub mod process;
pub mod registry;
pub mod runtime;
pub mod supervisor;
pub mod swap;
pub mod sys;
pub mod timers;
pub mod trace;
pub mod watch;

pub use config::{DirGrant, MailboxOverflow, NodeConfig, UpgradePolicy, WasiGrants};
pub use events::{ExitRecord, NodeEvent};
pub use exit::ExitReason;
pub use message::{Message, MessageKind, TraceTag};
pub use native::{Exited, NativeProcess};
pub use node::{Node, SpawnError, SpawnOpts, Spawned};
pub use pid::Pid;
pub use process::signals::NoProc;
pub use runtime::code::{ModuleInfo, SwapRecord, VersionInfo};
pub use runtime::modules::{LoadCause, LoadError, LoadedModule};
