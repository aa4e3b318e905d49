//! Hatchery's Wasm runtime: processes as wasmtime instances on the process core.
//!
//! A [`Node`] is the core's node (`hatchery-core`) with an engine, a code server and the
//! swap machinery: it loads modules (core modules with the `hatchery_v1` ABI, or
//! components of the `hatchery:process` WIT world), runs each process as its own
//! instance, binds the ABI's calls to the core, and swaps module versions with the
//! processes' state. See `ARCHITECTURE.md`.

#![warn(missing_docs)]

pub mod abi;
pub mod component;
pub mod node;
pub mod runtime;
pub mod swap;
pub mod sys;
pub mod watch;

// The core's modules, under the names this crate's files use for them.
pub(crate) use hatchery_core::{
    config, events, exit, message, pid, process, registry, supervisor, trace,
};

pub use node::Node;
pub use runtime::code::{ModuleInfo, VersionInfo};
pub use runtime::modules::{LoadCause, LoadError, LoadedModule};
