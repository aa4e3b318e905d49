//! How the core starts the code of a process it does not know how to run.
//!
//! The core owns processes (pids, mailboxes, signals, the table) but runs no guest code:
//! a [`Launcher`] (the Wasm runtime, in `hatchery-wasm`) turns a module name into the
//! future that drives a process. The core calls it on every [`Node::spawn`], whether the
//! spawn comes from a guest, a supervisor, a native process or the HTTP API.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::exit::ExitReason;
use crate::node::{Node, SpawnOpts};
use crate::process::Process;

/// The future that drives one process until it ends, with the reason it ended.
pub type ProcessFuture = Pin<Box<dyn Future<Output = ExitReason> + Send>>;

/// Starts a process's code once the core has created its record.
pub type Run = Box<dyn FnOnce(Node, Arc<Process>) -> ProcessFuture + Send>;

/// What a launcher found for a module name, before the process exists.
pub struct Prepared {
    /// The module's canonical name (the name asked for, when it is not loaded).
    pub module: Arc<str>,
    /// The version the process will run (0: none).
    pub version: u32,
    /// How to run it; `None` when the module is not loaded (the child then exits with
    /// reason `undef`, so links and monitors see it).
    pub run: Option<Run>,
}

impl Prepared {
    /// A module nobody can run.
    pub fn missing(module: &str) -> Prepared {
        Prepared {
            module: Arc::from(module),
            version: 0,
            run: None,
        }
    }
}

/// Runs the code of processes: implemented by the Wasm runtime.
pub trait Launcher: Send + Sync + 'static {
    /// Looks `module` up and prepares a process running it with `args` under `opts`.
    fn prepare(&self, node: &Node, module: &str, args: Vec<u8>, opts: &SpawnOpts) -> Prepared;
}
