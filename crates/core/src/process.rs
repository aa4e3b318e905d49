//! Processes: identity, mailbox and the signal state (links, monitors, trap_exit, name).
//!
//! A process is driven by a task (a Wasm instance, or host code for native processes); the
//! [`Process`] record is what every other part of the node sees of it. Exit signals never
//! run code in the target: they set a stop reason and wake the driver, which ends the
//! process through [`crate::Node`]'s exit path.

pub mod code;
pub(crate) mod cpu;
pub mod mailbox;
pub mod output;
pub mod signals;
pub mod table;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::exit::ExitReason;
use crate::pid::Pid;
pub use mailbox::Mailbox;
pub(crate) use output::OutputTail;
pub use output::{OutputLine, Stream};

/// The signal state of a live process, guarded by one lock.
#[derive(Default)]
pub(crate) struct SignalState {
    /// False from the moment the process starts to exit.
    pub alive: bool,
    /// Set when the process has been asked to end (an exit signal, a limit).
    pub stop_reason: Option<ExitReason>,
    /// Whether exit signals become `EXIT` messages.
    pub trap_exit: bool,
    /// Linked processes.
    pub links: HashSet<Pid>,
    /// Monitors this process holds: reference → watched pid.
    pub monitors: HashMap<u64, Pid>,
    /// Monitors on this process: (reference, watcher).
    pub monitored_by: Vec<(u64, Pid)>,
    /// The registered name.
    pub name: Option<Arc<str>>,
    /// Timers that will send to this process; cancelled when it ends, as in Erlang.
    pub timers: Vec<u64>,
    /// It asked to be told of other nodes (`crate::nodewatch`).
    pub watches_nodes: bool,
}

/// Per-process counters.
#[derive(Default)]
pub struct ProcessCounters {
    /// Messages accepted into the mailbox.
    pub received: AtomicU64,
    /// Messages this process sent.
    pub sent: AtomicU64,
    /// Size of its linear memory, in bytes.
    pub memory: AtomicU64,
    /// Output bytes dropped by the output rate.
    pub output_dropped: AtomicU64,
    /// Epoch ticks during which its guest code was running (a coarse CPU count: one per
    /// preemption interval at least partly used).
    pub cpu_ticks: AtomicU64,
    /// Nanoseconds its code ran on a scheduler: guest code and the host calls it made
    /// ([`cpu`]).
    pub cpu_ns: AtomicU64,
    /// The cap on one behaviour callback's CPU, in milliseconds (0: none), as its runtime
    /// set it.
    pub callback_cpu_limit_ms: AtomicU64,
}

/// What the node knows of one process.
pub struct Process {
    pid: Pid,
    module: Arc<str>,
    parent: Option<Pid>,
    started: Instant,
    /// The mailbox.
    pub mailbox: Mailbox,
    pub(crate) signals: Mutex<SignalState>,
    stop: Notify,
    /// Counters for the inspector and the CLI.
    pub counters: ProcessCounters,
    /// The last lines the process wrote to stdout/stderr.
    pub(crate) output: Mutex<OutputTail>,
    /// Its module version and a pending upgrade.
    pub code: code::CodeState,
    /// Whether it is blocked waiting for a message.
    waiting: std::sync::atomic::AtomicBool,
    /// Whether it is hibernating (no instance until its next message).
    hibernating: std::sync::atomic::AtomicBool,
    /// The subtree it counts in, for the subtree's process quota.
    pub(crate) subtree: Arc<Subtree>,
    /// What it may do beyond its subtree.
    pub(crate) grants: Arc<crate::config::Grants>,
}

/// The processes a process started by a supervisor, the API or the CLI and everything
/// spawned below it (by guests), counted for their quota
/// ([`crate::config::Budgets::subtree_processes`]).
#[derive(Debug)]
pub struct Subtree {
    root: Pid,
    pub(crate) live: std::sync::atomic::AtomicU32,
    /// Pids its processes presented that the node never handed out.
    pub(crate) forged: std::sync::atomic::AtomicU32,
    /// Nanoseconds its processes ran, those alive and those ended.
    pub(crate) cpu_ns: AtomicU64,
}

impl Subtree {
    pub(crate) fn new(root: Pid) -> Arc<Subtree> {
        Arc::new(Subtree {
            root,
            live: std::sync::atomic::AtomicU32::new(0),
            forged: std::sync::atomic::AtomicU32::new(0),
            cpu_ns: AtomicU64::new(0),
        })
    }

    /// The process that started it.
    pub fn root(&self) -> Pid {
        self.root
    }

    /// Its processes alive now.
    pub fn live(&self) -> u32 {
        self.live.load(Ordering::Acquire)
    }

    /// Nanoseconds its processes ran on a scheduler, those alive and those ended.
    pub fn cpu_ns(&self) -> u64 {
        self.cpu_ns.load(Ordering::Relaxed)
    }
}

impl Process {
    pub(crate) fn new(
        pid: Pid,
        module: Arc<str>,
        version: u32,
        parent: Option<Pid>,
        (subtree, grants): (Arc<Subtree>, Arc<crate::config::Grants>),
        mailbox: Mailbox,
    ) -> Self {
        Process {
            subtree,
            grants,
            pid,
            module,
            parent,
            started: Instant::now(),
            mailbox,
            signals: Mutex::new(SignalState {
                alive: true,
                ..SignalState::default()
            }),
            stop: Notify::new(),
            counters: ProcessCounters::default(),
            output: Mutex::new(OutputTail::default()),
            code: code::CodeState::new(version),
            waiting: std::sync::atomic::AtomicBool::new(false),
            hibernating: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The subtree it counts in, for the subtree's process quota.
    pub fn subtree(&self) -> &Arc<Subtree> {
        &self.subtree
    }

    /// What it may do beyond its subtree.
    pub fn grants(&self) -> &crate::config::Grants {
        &self.grants
    }

    /// Whether `other` is related to it, so that it may send `other` exit signals without
    /// the `signal_any` grant: of its subtree, its child, linked, or monitored by it.
    pub fn is_related(&self, other: &Process) -> bool {
        if other.module().starts_with("native:") {
            return false;
        }
        if Arc::ptr_eq(&self.subtree, &other.subtree) || other.parent == Some(self.pid) {
            return true;
        }
        let s = self.signals.lock();
        s.links.contains(&other.pid) || s.monitors.values().any(|&p| p == other.pid)
    }

    /// Whether it holds a link to `pid` or a monitor of it (a process on another node,
    /// whose record is not here).
    pub fn holds(&self, pid: Pid) -> bool {
        let s = self.signals.lock();
        s.links.contains(&pid) || s.monitors.values().any(|&p| p == pid)
    }

    /// How many links and monitors it holds.
    pub fn held(&self) -> (usize, usize) {
        let s = self.signals.lock();
        (s.links.len(), s.monitors.len())
    }

    /// The pid.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The module this process runs (`native:<label>` for host-side processes).
    pub fn module(&self) -> &str {
        &self.module
    }

    /// The version of its module it runs (0 for native processes).
    pub fn version(&self) -> u32 {
        self.code.version()
    }

    /// Whether it is blocked waiting for a message (in `recv`, or a behaviour between
    /// messages).
    pub fn is_waiting(&self) -> bool {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Records whether the process waits in a receive (shown by the inspector).
    pub fn set_waiting(&self, on: bool) {
        self.waiting.store(on, Ordering::Relaxed);
    }

    /// Whether it is hibernating: its state saved, its instance dropped until the next
    /// message.
    pub fn is_hibernating(&self) -> bool {
        self.hibernating.load(Ordering::Relaxed)
    }

    /// Records whether the process hibernates (its instance dropped until a message).
    pub fn set_hibernating(&self, on: bool) {
        self.hibernating.store(on, Ordering::Relaxed);
    }

    /// Its monitors: (reference, watched pid).
    pub fn monitors(&self) -> Vec<(u64, Pid)> {
        let mut v: Vec<_> = self
            .signals
            .lock()
            .monitors
            .iter()
            .map(|(r, p)| (*r, *p))
            .collect();
        v.sort();
        v
    }

    /// The monitors on it: (reference, watcher).
    pub fn monitored_by(&self) -> Vec<(u64, Pid)> {
        self.signals.lock().monitored_by.clone()
    }

    /// The process that spawned it.
    pub fn parent(&self) -> Option<Pid> {
        self.parent
    }

    /// When it started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Whether it has not started to exit.
    pub fn is_alive(&self) -> bool {
        self.signals.lock().alive
    }

    /// Whether it traps exits.
    pub fn traps_exits(&self) -> bool {
        self.signals.lock().trap_exit
    }

    /// Sets trap_exit; returns the previous value.
    pub fn set_trap_exit(&self, on: bool) -> bool {
        std::mem::replace(&mut self.signals.lock().trap_exit, on)
    }

    /// Its registered name.
    pub fn name(&self) -> Option<Arc<str>> {
        self.signals.lock().name.clone()
    }

    /// Its links, sorted.
    pub fn links(&self) -> Vec<Pid> {
        let mut v: Vec<Pid> = self.signals.lock().links.iter().copied().collect();
        v.sort();
        v
    }

    /// Asks the process to end with `reason`; the first request wins.
    /// Asks the process to end with `reason` (its driver sees it at the next wait or
    /// host call); a stop already asked for stands.
    pub fn request_stop(&self, reason: ExitReason) {
        self.stop_with(reason, false);
    }

    /// The untrappable kill: ends the process with `killed`, replacing an earlier request.
    pub(crate) fn kill(&self) {
        self.stop_with(ExitReason::Killed, true);
    }

    fn stop_with(&self, reason: ExitReason, force: bool) {
        {
            let mut s = self.signals.lock();
            if !s.alive || (s.stop_reason.is_some() && !force) {
                return;
            }
            s.stop_reason = Some(reason);
        }
        // Every waiter enables its `Notified` before it checks `stop_reason`, so waking
        // the registered ones loses no wake-up (the driver and a native receive may both wait).
        self.stop.notify_waiters();
    }

    /// Waits until the process is asked to end, and returns the reason.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    /// Waits until the process is asked to stop, and returns the reason.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn stop_requested(&self) -> ExitReason {
        loop {
            let notified = self.stop.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(r) = self.signals.lock().stop_reason.clone() {
                return r;
            }
            notified.await;
        }
    }

    /// Asks the process to change its code at its next message boundary (a pending
    /// request is replaced), and wakes it if it waits.
    pub fn request_code_change<T: std::any::Any + Send>(&self, change: T) {
        self.code.request(change);
        self.mailbox.wake();
    }

    /// The reason the process was asked to stop with, if it was.
    pub fn stop_reason(&self) -> Option<ExitReason> {
        self.signals.lock().stop_reason.clone()
    }

    /// Adds bytes the process wrote to `stream` to its output tail under `rate`, and
    /// returns the lines they completed (see [`crate::Node::write_output`]).
    pub(crate) fn write_output(
        &self,
        stream: Stream,
        bytes: &[u8],
        rate: output::OutputRate,
    ) -> output::Written {
        let written = self.output.lock().write(stream, bytes, rate);
        if written.dropped > 0 {
            self.counters
                .output_dropped
                .fetch_add(written.dropped, Ordering::Relaxed);
        }
        written
    }

    /// Ends the partial lines of the output tail, and returns them.
    pub fn flush_output(&self) -> Vec<OutputLine> {
        self.output.lock().flush()
    }

    /// The last lines it wrote.
    pub fn output(&self) -> Vec<OutputLine> {
        self.output.lock().lines.iter().cloned().collect()
    }

    pub(crate) fn count_received(&self) {
        self.counters.received.fetch_add(1, Ordering::Relaxed);
    }
}
