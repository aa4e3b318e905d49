//! The node as the Wasm runtime sees it: the process core's [`hatchery_core::Node`] with
//! the engine, the code server and the swap machinery beside it.
//!
//! [`Node`] dereferences to the core node, so everything about processes (spawn, send,
//! links, names) is the core's; what it adds is modules: loading, swapping, watching. The
//! core reaches the runtime only through the [`Launcher`] this module registers, so the
//! arrows point one way: this crate depends on the core, never the reverse.

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::config::NodeConfig;
use crate::runtime::Runtime;
use crate::runtime::instance::{self, Launch};
use crate::runtime::modules::LoadedModule;
use hatchery_core::launch::{Launcher, Prepared};
pub use hatchery_core::node::{SpawnError, SpawnOpts, Spawned};

/// A running node with its Wasm runtime. Cheap to clone: clones share the node.
#[derive(Clone)]
pub struct Node {
    core: hatchery_core::Node,
    pub(crate) wasm: Arc<Wasm>,
}

/// What the Wasm side of a node keeps.
pub(crate) struct Wasm {
    pub runtime: Runtime,
    /// Serializes module swaps.
    pub swap_lock: tokio::sync::Mutex<()>,
    /// Modules with a background swap waiting for the swap lock.
    pub queued_swaps: Mutex<HashSet<Arc<str>>>,
    /// Upgrades whose new instance may exist beside the old one at once (each holds an
    /// extra instance slot until its process switches).
    pub preparing: Arc<tokio::sync::Semaphore>,
}

impl Deref for Node {
    type Target = hatchery_core::Node;

    fn deref(&self) -> &hatchery_core::Node {
        &self.core
    }
}

impl Node {
    /// Starts a node with `config`. Must be called inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// When the Wasm engine cannot be created with this configuration (for example, the
    /// instance pool cannot reserve its address space), or the crash log cannot be opened.
    pub fn new(config: NodeConfig) -> anyhow::Result<Node> {
        let runtime = Runtime::new(&config)?;
        let core = hatchery_core::Node::new(config)?;
        let wasm = Arc::new(Wasm {
            runtime,
            swap_lock: tokio::sync::Mutex::new(()),
            queued_swaps: Mutex::default(),
            preparing: Arc::new(tokio::sync::Semaphore::new(
                crate::runtime::MAX_PREPARING_UPGRADES,
            )),
        });
        core.set_launcher(Arc::new(WasmLauncher(wasm.clone())))?;
        Ok(Node { core, wasm })
    }

    /// The process core this node is built on.
    pub fn core(&self) -> &hatchery_core::Node {
        &self.core
    }

    /// The loaded modules, by name.
    pub fn modules(&self) -> Vec<Arc<LoadedModule>> {
        self.wasm.runtime.modules()
    }
}

/// Runs spawned processes as Wasm instances of the node's loaded modules.
struct WasmLauncher(Arc<Wasm>);

impl Launcher for WasmLauncher {
    fn prepare(
        &self,
        core: &hatchery_core::Node,
        module: &str,
        args: Vec<u8>,
        opts: &SpawnOpts,
    ) -> Prepared {
        let Some(loaded) = self.0.runtime.module(module) else {
            return Prepared::missing(module);
        };
        let cfg = core.config();
        let launch = Launch {
            args,
            grants: opts.wasi.clone(),
            max_memory: opts
                .max_memory
                .unwrap_or_else(|| cfg.memory_for(&loaded.name))
                .min(cfg.largest_memory()),
            callback_cpu_limit: opts.callback_cpu_limit.or(cfg.callback_cpu_limit),
        };
        let wasm = self.0.clone();
        Prepared {
            module: loaded.name.clone(),
            version: loaded.version,
            run: Some(Box::new(move |core, proc| {
                Box::pin(async move {
                    let node = Node { core, wasm };
                    instance::run(&node, &proc, loaded, launch).await
                })
            })),
        }
    }
}
