//! The per-process data a Wasm store carries.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{Memory, ResourceLimiter};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::instance::Launch;
use super::output::ProcessOutput;
use crate::config::WasiGrants;
use crate::exit::ExitReason;
use crate::message::Message;
use crate::node::Node;
use crate::process::{Process, Stream};

/// Store data of one Wasm process.
pub(crate) struct ProcessState {
    pub node: Node,
    pub proc: Arc<Process>,
    pub args: Vec<u8>,
    /// The guest's exported memory, set right after instantiation.
    pub memory: Option<Memory>,
    /// The message a behaviour's `hatchery_handle` is handling (`message_read` reads it).
    pub current: Option<Message>,
    /// The trace of the message being handled; what the process sends carries it on.
    pub trace: Option<crate::message::TraceTag>,
    /// Set by the ABI's `hibernate`: hibernate once the current callback returns.
    pub hibernate: bool,
    pub limits: Limits,
    /// The CPU of the current behaviour callback, against its cap.
    pub cpu: Cpu,
    /// The cap on one behaviour callback's CPU, as started.
    callback_cpu_limit: Option<std::time::Duration>,
    /// The WASI preview 1 context of a core module that imports WASI.
    wasi_p1: Option<Box<WasiP1Ctx>>,
    /// The WASI 0.2 context of a component.
    wasi_p2: Option<(Box<WasiCtx>, ResourceTable)>,
    grants: Option<Arc<WasiGrants>>,
    /// Its module's formatted crash backtraces.
    pub backtraces: Arc<super::backtrace::Backtraces>,
}

/// Which WASI a module imports, so its processes get a context for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WasiKind {
    /// No WASI imports (a core module using only `hatchery_v1`).
    None,
    /// WASI preview 1 (`wasi_snapshot_preview1`), for core modules.
    P1,
    /// WASI 0.2 interfaces, for components.
    P2,
}

/// The memory cap, and whether the guest hit it. Its memory is counted in the node's guest
/// memory budget until the store (and so this) is dropped.
pub(crate) struct Limits {
    pub proc: Arc<Process>,
    pub node: Node,
    /// The cap on all the process's linear memories together (a component may have
    /// several: QuickJS components have three).
    pub max_memory: usize,
    pub max_table: usize,
    pub hit_memory_cap: bool,
    /// Whether a growth within its cap was refused because the node's guest memory budget
    /// was used up.
    pub hit_node_budget: bool,
    /// The bytes of all its memories now.
    total: usize,
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.total.saturating_sub(current).saturating_add(desired);
        if total > self.max_memory {
            self.hit_memory_cap = true;
            return Ok(false);
        }
        if !self
            .node
            .reserve_guest_memory(desired.saturating_sub(current))
        {
            self.hit_node_budget = true;
            return Ok(false);
        }
        self.total = total;
        self.proc
            .counters
            .memory
            .store(total as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.max_table)
    }
}

impl Drop for Limits {
    fn drop(&mut self) {
        self.node.release_guest_memory(self.total);
    }
}

/// The CPU a behaviour callback has used, in epoch ticks that found it running, and its
/// cap. Outside a callback (a main-style process, a start function) ticks only count.
pub(crate) struct Cpu {
    proc: Arc<Process>,
    /// The cap in ticks; `None`: no cap.
    cap: Option<u64>,
    /// Ticks of the callback running now; `None` outside one.
    used: Option<u64>,
    /// The callback running now has handed its worker's other tasks to another thread.
    pub handed_off: bool,
}

impl Cpu {
    fn new(
        proc: Arc<Process>,
        limit: Option<std::time::Duration>,
        tick: std::time::Duration,
    ) -> Cpu {
        let limit = limit.filter(|l| !l.is_zero());
        let ms = limit.map_or(0, |l| u64::try_from(l.as_millis()).unwrap_or(u64::MAX));
        proc.counters
            .callback_cpu_limit_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
        let cap = limit.map(|l| {
            let ticks = l.as_nanos() / tick.as_nanos().max(1);
            u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
        });
        Cpu {
            proc,
            cap,
            used: None,
            handed_off: false,
        }
    }

    /// A behaviour callback starts.
    pub fn begin(&mut self) {
        self.used = Some(0);
        self.handed_off = false;
    }

    /// The callback returned (or failed).
    pub fn end(&mut self) {
        self.used = None;
    }

    /// Counts a tick that found the guest running; true when a callback is past its cap.
    pub fn tick(&mut self) -> bool {
        self.proc
            .counters
            .cpu_ticks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(used) = &mut self.used else {
            return false;
        };
        *used += 1;
        self.cap.is_some_and(|cap| *used > cap)
    }

    /// The ticks the callback running now has been found running; `None` outside one.
    pub fn running(&self) -> Option<u64> {
        self.used
    }
}

/// Ends the calling process from inside a host function (the ABI's `exit`, or a fault the
/// host detected). Carried as the error of the guest call.
#[derive(Debug)]
pub(crate) struct GuestExit(pub ExitReason);

impl std::fmt::Display for GuestExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "process exit: {}", self.0)
    }
}

impl std::error::Error for GuestExit {}

impl ProcessState {
    /// # Errors
    ///
    /// When a granted folder cannot be opened.
    pub fn new(
        node: Node,
        proc: Arc<Process>,
        launch: &Launch,
        wasi: WasiKind,
        backtraces: Arc<super::backtrace::Backtraces>,
    ) -> Result<Self, String> {
        let (args, grants, max_memory) = (
            launch.args.clone(),
            launch.grants.clone(),
            launch.max_memory,
        );
        let cfg = node.config();
        let cpu = Cpu::new(
            proc.clone(),
            launch.callback_cpu_limit,
            cfg.preempt_interval,
        );
        let limits = Limits {
            proc: proc.clone(),
            node: node.clone(),
            max_memory,
            max_table: cfg.max_table_elements,
            hit_memory_cap: false,
            hit_node_budget: false,
            total: 0,
        };
        let mut state = ProcessState {
            node,
            proc,
            args,
            memory: None,
            current: None,
            trace: None,
            hibernate: false,
            limits,
            cpu,
            callback_cpu_limit: launch.callback_cpu_limit,
            wasi_p1: None,
            wasi_p2: None,
            grants,
            backtraces,
        };
        match wasi {
            WasiKind::None => {}
            WasiKind::P1 => state.wasi_p1 = Some(Box::new(state.wasi_builder()?.build_p1())),
            WasiKind::P2 => {
                state.wasi_p2 = Some((
                    Box::new(state.wasi_builder()?.build()),
                    ResourceTable::new(),
                ));
            }
        }
        Ok(state)
    }

    /// What this store was started with, to start the next one (an upgrade, a wake-up)
    /// alike.
    pub fn launch(&self) -> Launch {
        Launch {
            args: self.args.clone(),
            grants: self.grants.clone(),
            max_memory: self.max_memory(),
            callback_cpu_limit: self.callback_cpu_limit,
        }
    }

    /// The environment this process was granted (none by default).
    pub fn granted_env(&self) -> &[(String, String)] {
        self.grants.as_deref().map_or(&[], |g| &g.env)
    }

    /// The memory cap of this process, in bytes.
    pub fn max_memory(&self) -> usize {
        self.limits.max_memory
    }

    /// A WASI context with the captured stdout and stderr, clocks and randomness, and only
    /// the environment and folders this process was granted (none by default).
    fn wasi_builder(&self) -> Result<WasiCtxBuilder, String> {
        let mut b = WasiCtxBuilder::new();
        b.stdout(ProcessOutput::new(
            self.node.clone(),
            self.proc.clone(),
            Stream::Stdout,
        ))
        .stderr(ProcessOutput::new(
            self.node.clone(),
            self.proc.clone(),
            Stream::Stderr,
        ));
        if let Some(g) = &self.grants {
            for (k, v) in &g.env {
                b.env(k, v);
            }
            for d in &g.dirs {
                let perms = if d.writable {
                    FsPerms::ReadWrite
                } else {
                    FsPerms::ReadOnly
                };
                b.preopened_dir(&d.host, &d.guest, perms)
                    .map_err(|e| format!("granting {} as {}: {e:#}", d.host.display(), d.guest))?;
            }
        }
        Ok(b)
    }

    /// Swaps the WASI contexts of two stores of one process: an upgrade keeps the
    /// process's context (its open files, environment and captured output).
    pub fn swap_wasi(&mut self, other: &mut ProcessState) {
        std::mem::swap(&mut self.wasi_p1, &mut other.wasi_p1);
        std::mem::swap(&mut self.wasi_p2, &mut other.wasi_p2);
    }

    /// The WASI preview 1 context of a core module.
    pub fn wasi(&mut self) -> &mut WasiP1Ctx {
        // Built here only for a module that did not declare WASI imports (which the linker
        // cannot call); grants were checked when the process started.
        if self.wasi_p1.is_none() {
            self.wasi_p1 = Some(Box::new(self.fallback_builder().build_p1()));
        }
        self.wasi_p1
            .get_or_insert_with(|| Box::new(WasiCtxBuilder::new().build_p1()))
    }

    /// A builder with the grants if they can be opened, else without them.
    fn fallback_builder(&self) -> WasiCtxBuilder {
        self.wasi_builder()
            .unwrap_or_else(|_| WasiCtxBuilder::new())
    }
}

impl WasiView for ProcessState {
    /// The WASI 0.2 context of a component.
    fn ctx(&mut self) -> WasiCtxView<'_> {
        if self.wasi_p2.is_none() {
            self.wasi_p2 = Some((
                Box::new(self.fallback_builder().build()),
                ResourceTable::new(),
            ));
        }
        let (ctx, table) = self.wasi_p2.get_or_insert_with(|| {
            (
                Box::new(WasiCtxBuilder::new().build()),
                ResourceTable::new(),
            )
        });
        WasiCtxView { ctx, table }
    }
}
