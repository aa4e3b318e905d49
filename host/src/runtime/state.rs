//! The per-process data a Wasm store carries.

use std::sync::Arc;

use wasmtime::{Memory, ResourceLimiter};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

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
    wasi: Option<WasiP1Ctx>,
    grants: Option<Arc<WasiGrants>>,
}

/// The memory cap, and whether the guest hit it.
pub(crate) struct Limits {
    pub proc: Arc<Process>,
    pub max_memory: usize,
    pub max_table: usize,
    pub hit_memory_cap: bool,
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_memory {
            self.hit_memory_cap = true;
            return Ok(false);
        }
        self.proc
            .counters
            .memory
            .store(desired as u64, std::sync::atomic::Ordering::Relaxed);
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
        args: Vec<u8>,
        uses_wasi: bool,
        grants: Option<Arc<WasiGrants>>,
    ) -> Result<Self, String> {
        let cfg = node.config();
        let limits = Limits {
            proc: proc.clone(),
            max_memory: cfg.max_memory_bytes,
            max_table: cfg.max_table_elements,
            hit_memory_cap: false,
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
            wasi: None,
            grants,
        };
        if uses_wasi {
            state.wasi = Some(state.build_wasi()?);
        }
        Ok(state)
    }

    /// A WASI context with the captured stdout and stderr, clocks and randomness, and only
    /// the environment and folders this process was granted (none by default).
    fn build_wasi(&self) -> Result<WasiP1Ctx, String> {
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
        Ok(b.build_p1())
    }

    /// The folders and environment this process was granted.
    pub fn grants(&self) -> Option<Arc<WasiGrants>> {
        self.grants.clone()
    }

    /// The WASI context; built on first use for a module that did not declare WASI imports
    /// (which cannot happen through the linker, but costs nothing to handle).
    pub fn wasi(&mut self) -> &mut WasiP1Ctx {
        let wasi = match self.wasi.take() {
            Some(w) => w,
            // Only reachable for a module that did not declare WASI imports; grants were
            // checked when the process started, so fall back to a context without them.
            None => self
                .build_wasi()
                .unwrap_or_else(|_| WasiCtxBuilder::new().build_p1()),
        };
        self.wasi.insert(wasi)
    }
}
