//! The Wasm side of the node: one engine, one linker, the compiled modules.
//!
//! Engine settings follow DESIGN.md: the pooling allocator sized from the node's process
//! cap, a small per-process memory reservation equal to the memory cap (so a million
//! slots fit in the address space), copy-on-write memory images, and epoch interruption
//! with an async yield so that a guest in an endless loop cannot stop others from running.

mod backtrace;
pub mod code;
pub(crate) mod components;
mod guest;
pub mod instance;
pub mod modules;
pub(crate) mod output;
mod prefault;
mod reaper;
mod slice;
pub(crate) mod state;
mod upgrade;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, Linker, PoolingAllocationConfig};

use crate::config::NodeConfig;
use code::{CodeServer, Installed};
use modules::{LoadCause, LoadError, LoadedModule};
use state::ProcessState;

/// How many upgrades may hold a prepared new instance beside the old one at once: an
/// upgrade of 10,000 processes then needs 1,024 spare instance slots, not 10,000.
pub(crate) const MAX_PREPARING_UPGRADES: usize = 1024;

/// A module now current, and what its load replaced (if it replaced a version).
pub(crate) type Loaded = (Arc<LoadedModule>, Option<Installed>);

pub(crate) struct Runtime {
    /// The engine of core modules: the instance pool is sized by the process cap.
    pub engine: Engine,
    pub linker: Linker<ProcessState>,
    /// The linker of modules whose processes run without a fiber: the same `hatchery_v1`,
    /// and WASI preview 1 only as the synchronous subset (`abi::wasi_sync`).
    pub sync_linker: Linker<ProcessState>,
    /// The engine of components, which allocates on demand: a component instance holds
    /// many core instances (Python's has 14), so it does not fit the core pool's slots.
    pub components: ComponentRuntime,
    pub code: CodeServer,
    /// Stores replaced by an upgrade or a hibernation, dropped on a thread of their own so
    /// that returning their instance slot is not part of the process's pause.
    reaper: Arc<reaper::Reaper<wasmtime::Store<ProcessState>>>,
    ticker_stop: Arc<AtomicBool>,
    /// The ticks of the epoch ticker, for guests deferring at the end of a slice.
    pub(crate) ticks: slice::Ticks,
    /// The node's memory caps, to refuse modules that cannot start under them.
    caps: NodeConfig,
}

impl Runtime {
    /// The most memory a process of `module` may get: its module's cap (see
    /// [`NodeConfig::memory_for`]), or a larger one a supervisor's child may have.
    pub fn memory_for(&self, module: &str) -> usize {
        self.caps
            .memory_for(module)
            .max(self.caps.memory_reservation.unwrap_or(0))
    }

    pub fn new(cfg: &NodeConfig) -> anyhow::Result<Self> {
        let engine = Engine::new(&engine_config(cfg)).map_err(|e| {
            let hint = crate::sys::map_count_hint(&e);
            anyhow::anyhow!(
                "creating the Wasm engine for {} processes: {e:#}{hint}",
                cfg.max_processes
            )
        })?;
        let linker = new_linker(&engine, "WASI preview 1", |l| {
            wasmtime_wasi::p1::add_to_linker_async(l, |s: &mut ProcessState| s.wasi())
        })?;
        let sync_linker = new_linker(
            &engine,
            "the synchronous WASI subset",
            crate::abi::wasi_sync::register,
        )?;
        let components = ComponentRuntime::new(cfg)?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let ticks = slice::Ticks::default();
        let reaper = reaper::Reaper::start()?;
        spawn_epoch_ticker(
            vec![engine.clone(), components.engine.clone()],
            cfg.preempt_interval,
            ticker_stop.clone(),
            ticks.clone(),
            reaper.clone(),
        )?;
        Ok(Runtime {
            engine,
            linker,
            sync_linker,
            components,
            code: CodeServer::default(),
            reaper,
            ticker_stop,
            ticks,
            caps: cfg.clone(),
        })
    }

    pub fn module(&self, name: &str) -> Option<Arc<LoadedModule>> {
        self.code.current(name)
    }

    pub fn modules(&self) -> Vec<Arc<LoadedModule>> {
        self.code.all_current()
    }

    /// Drops a store that is no longer used, off the calling thread, within a tick.
    pub fn retire(&self, store: wasmtime::Store<ProcessState>) {
        self.reaper.retire(store);
    }

    /// Compiles a file (CPU-bound: call it off the async worker threads).
    pub fn compile_file(&self, path: &Path) -> Result<LoadedModule, LoadError> {
        LoadedModule::compile(self, path)
    }

    /// Compiles bytes read from `path`.
    pub fn compile_bytes(&self, path: &Path, bytes: &[u8]) -> Result<LoadedModule, LoadError> {
        LoadedModule::compile_bytes(self, path, bytes)
    }

    /// The engine a module's processes run on.
    pub fn engine_for(&self, module: &LoadedModule) -> &Engine {
        if module.is_component() {
            &self.components.engine
        } else {
            &self.engine
        }
    }

    /// Compiles and installs a file. Returns the module now current under its name and,
    /// when an earlier version was replaced, what changed (the caller upgrades processes).
    pub fn load_file(&self, path: &Path, cause: LoadCause) -> Result<Loaded, LoadError> {
        let m = self.compile_file(path)?;
        let name = m.name.clone();
        match self.code.install(m, cause)? {
            Some(installed) => Ok((installed.new.clone(), Some(installed))),
            None => self
                .code
                .current(&name)
                .map(|m| (m, None))
                .ok_or_else(|| LoadError::UnknownModule(name.to_string())),
        }
    }

    pub fn load_dir(&self, dir: &Path) -> (Vec<Loaded>, Vec<LoadError>) {
        let files = match modules::module_files(dir) {
            Ok(f) => f,
            Err(e) => return (Vec::new(), vec![e]),
        };
        // One thread per file; each compile is itself parallel inside wasmtime.
        let results: Vec<Result<Loaded, LoadError>> = std::thread::scope(|s| {
            let handles: Vec<_> = files
                .iter()
                .map(|f| s.spawn(move || self.load_file(f, LoadCause::Initial)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(LoadError::Panicked)))
                .collect()
        });
        let mut ok = Vec::new();
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(m) => ok.push(m),
                Err(e) => errors.push(e),
            }
        }
        ok.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        (ok, errors)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// Converts wasmtime's error type, with context.
/// A linker with `hatchery_v1` and the WASI that `add_wasi` adds (named `wasi`).
fn new_linker(
    engine: &Engine,
    wasi: &str,
    add_wasi: impl FnOnce(&mut Linker<ProcessState>) -> wasmtime::Result<()>,
) -> anyhow::Result<Linker<ProcessState>> {
    let mut linker = Linker::new(engine);
    wasm_ctx(
        crate::abi::register(&mut linker),
        "registering the hatchery_v1 ABI",
    )?;
    wasm_ctx(add_wasi(&mut linker), &format!("registering {wasi}"))?;
    Ok(linker)
}

fn wasm_ctx<T>(r: wasmtime::Result<T>, what: &str) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{what}: {e:#}"))
}

/// The native stack of a component process, at least (Wasm frames get half of it).
const COMPONENT_STACK: usize = 2 << 20;

/// The component side of the runtime: its engine and its linker (the `hatchery:process`
/// host interface and WASI 0.2).
pub(crate) struct ComponentRuntime {
    pub engine: Engine,
    pub linker: wasmtime::component::Linker<ProcessState>,
}

impl ComponentRuntime {
    fn new(cfg: &NodeConfig) -> anyhow::Result<Self> {
        let mut c = common_config(cfg);
        // On demand: each instance maps its own memories and stack. The reservation is
        // the cap, so growing never moves a memory.
        c.allocation_strategy(InstanceAllocationStrategy::OnDemand);
        // Interpreters recurse in C (CPython's JSON parser overflowed a 128 KiB Wasm stack
        // at about 250 levels); stacks are mapped per process and only touched pages count.
        let stack = cfg.stack_bytes.max(COMPONENT_STACK);
        c.async_stack_size(stack);
        c.max_wasm_stack(stack / 2);
        let engine = wasm_ctx(Engine::new(&c), "creating the component engine")?;
        let mut linker = wasmtime::component::Linker::new(&engine);
        wasm_ctx(
            crate::component::add_to_linker(&mut linker),
            "registering the hatchery:process world",
        )?;
        wasm_ctx(
            wasmtime_wasi::p2::add_to_linker_async(&mut linker),
            "registering WASI 0.2",
        )?;
        Ok(ComponentRuntime { engine, linker })
    }
}

/// What both engines share: preemption, stacks, memory reservation, the compile cache.
fn common_config(cfg: &NodeConfig) -> Config {
    let mut c = Config::new();
    c.epoch_interruption(true);
    c.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(32));
    c.async_stack_size(cfg.stack_bytes);
    c.max_wasm_stack(cfg.stack_bytes / 2);
    // Reserve only what a process may use: bounds checks are explicit, but a million
    // slots fit in the 47-bit address space.
    c.memory_reservation(cfg.largest_memory() as u64);
    c.memory_reservation_for_growth(0);
    c.memory_guard_size(64 << 10);
    c.guard_before_linear_memory(false);
    c.memory_init_cow(true);
    if let Some(dir) = &cfg.compile_cache {
        match compile_cache(dir) {
            Ok(cache) => {
                c.cache(Some(cache));
            }
            // A cache that cannot be opened only costs compile time.
            Err(e) => eprintln!("hatchery: no compile cache in {}: {e:#}", dir.display()),
        }
    }
    c
}

/// wasmtime's compile cache in `dir`: compiled code keyed by the module's bytes and the
/// engine's settings, so a module loaded again (a restart, another node) is not compiled
/// again.
fn compile_cache(dir: &Path) -> anyhow::Result<wasmtime::Cache> {
    std::fs::create_dir_all(dir)?;
    let mut cc = wasmtime::CacheConfig::new();
    // wasmtime wants an absolute path.
    cc.with_directory(std::fs::canonicalize(dir)?);
    wasmtime::Cache::new(cc).map_err(|e| anyhow::anyhow!("{e:#}"))
}

/// The core engine's settings for a node configured by `cfg`: the pool sized by its
/// process cap, preemption, stacks, memory reservation. Public so that measurements of
/// wasmtime alone (the bench's `anatomy`) use the node's own settings.
pub fn engine_config(cfg: &NodeConfig) -> Config {
    let mut c = common_config(cfg);
    let mut pool = PoolingAllocationConfig::new();
    let n = cfg.max_processes;
    pool.total_core_instances(n)
        .total_memories(n)
        .total_tables(n)
        .total_stacks(n)
        .total_component_instances(0)
        .max_memory_size(cfg.largest_memory())
        .max_memories_per_module(1)
        .max_tables_per_module(1)
        .table_elements(cfg.max_table_elements)
        .max_core_instance_size(256 << 10)
        .max_unused_warm_slots(1024)
        // Returning a slot with madvise costs a TLB shootdown (an IPI to every core the
        // node's threads ran on); on small VMs that dominated spawn+exit. Reset the pages
        // a process touched in place instead (PAGEMAP_SCAN finds them), and batch the
        // decommits that remain. Not where swap is on: wasmtime 48's scan skips dirty
        // pages that were swapped out, so the next instance in the slot would see them
        // (fixed in wasmtime 50; see `pagemap_reset_is_safe`).
        .pagemap_scan(if pagemap_reset_is_safe() {
            wasmtime::Enabled::Auto
        } else {
            wasmtime::Enabled::No
        })
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(64 << 10)
        .async_stack_keep_resident(64 << 10)
        .decommit_batch_size(64);
    c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    c
}

/// Whether a pooled slot may be reset by scanning `/proc/self/pagemap` for the pages its
/// last instance wrote. wasmtime 48 asks the kernel for pages both written and present, so
/// a written page that was swapped out is neither reset nor decommitted, and the next
/// process in that slot reads the previous one's bytes (wasmtime 50 drops `PRESENT` from
/// the mask). So the scan is used only while no swap is on, as `/proc/swaps` says when the
/// node starts; swap turned on later is not seen (restart the node after `swapon`).
pub fn pagemap_reset_is_safe() -> bool {
    std::fs::read_to_string("/proc/swaps").is_ok_and(|swaps| no_swap_in(&swaps))
}

/// `/proc/swaps` lists no swap area: it holds its header line only.
fn no_swap_in(swaps: &str) -> bool {
    swaps.lines().skip(1).all(|l| l.trim().is_empty())
}

fn spawn_epoch_ticker(
    engines: Vec<Engine>,
    every: Duration,
    stop: Arc<AtomicBool>,
    ticks: slice::Ticks,
    reaper: Arc<reaper::Reaper<wasmtime::Store<ProcessState>>>,
) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("hatchery-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(every);
                engines.iter().for_each(Engine::increment_epoch);
                ticks.tick();
                reaper.hand_over();
            }
        })
        .context("starting the preemption ticker")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn any_swap_area_turns_the_pagemap_reset_off() {
        let header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        assert!(super::no_swap_in(header));
        assert!(super::no_swap_in(""));
        let file =
            format!("{header}/swapfile                               file\t\t1048572\t\t0\t\t-2\n");
        assert!(!super::no_swap_in(&file));
        let zram = format!(
            "{header}/dev/zram0                              partition\t4194300\t\t0\t\t100\n"
        );
        assert!(!super::no_swap_in(&zram));
    }
}
