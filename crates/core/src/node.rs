//! The node: one host process running many guest processes.
//!
//! [`Node`] owns the process table, the registry, the timers and the supervisors; the code
//! of its processes runs through its [`Launcher`]. Everything a guest does through the ABI
//! and everything the CLI and the HTTP API do goes through its methods.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::config::{MailboxOverflow, NodeConfig};
use crate::events::{ExitLog, ExitRecord, NodeEvent, NodeStats};
use crate::exit::ExitReason;
use crate::launch::{Launcher, Prepared};
use crate::message::Message;
use crate::native::NativeProcess;
use crate::pid::Pid;
use crate::process::Process;
use crate::process::mailbox::Rejected;
use crate::process::table::ProcessTable;
use crate::registry::Registry;
use crate::timers::Timers;

/// How to spawn: who the parent is, whether to link or monitor atomically, and what WASI
/// grants the child gets.
#[derive(Clone, Debug, Default)]
pub struct SpawnOpts {
    /// The spawning process; required for `link` and `monitor`.
    pub parent: Option<Pid>,
    /// Link parent and child before the child runs (spawn_link).
    pub link: bool,
    /// The parent monitors the child before it runs (spawn_monitor).
    pub monitor: bool,
    /// Environment and folders granted to the child (none by default).
    pub wasi: Option<std::sync::Arc<crate::config::WasiGrants>>,
    /// The child's memory cap in bytes, instead of its module's (see
    /// [`NodeConfig::memory_for`]); at most [`NodeConfig::largest_memory`].
    pub max_memory: Option<usize>,
    /// The child's cap on one behaviour callback's CPU, instead of the node's
    /// ([`NodeConfig::callback_cpu_limit`]); zero: no cap.
    pub callback_cpu_limit: Option<std::time::Duration>,
    /// What the child may do beyond its subtree; `None`: its parent's when a guest spawns
    /// it, every grant otherwise ([`crate::config::Grants`]).
    pub grants: Option<Arc<crate::config::Grants>>,
    /// The subtree the child counts in; `None`: its parent's when a guest spawns it, one of
    /// its own otherwise.
    pub subtree: Option<Arc<crate::process::Subtree>>,
    /// The parent is on another node (a spawn it asked for): linked or monitored there.
    pub remote_parent: Option<crate::remote::RemoteParent>,
}

/// What a spawn returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spawned {
    /// The child's pid.
    pub pid: Pid,
    /// The monitor reference, with `SpawnOpts::monitor`.
    pub monitor: Option<u64>,
}

/// Why a spawn was refused. (A child that fails to *start* is not refused: it gets a pid and
/// exits with reason `undef`, so links and monitors see it.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    /// The node is at its process cap.
    #[error("the node is at its process limit ({0} processes); raise --max-processes")]
    Limit(u32),
    /// The parent named in the options is not alive.
    #[error("the parent process {0} is not alive")]
    NoParent(Pid),
    /// The parent's subtree is at its process quota.
    #[error(
        "the subtree of {root} is at its quota ({0} processes); raise --subtree-max-processes",
        root = .1
    )]
    SubtreeLimit(u32, Pid),
    /// The node, in a cluster, has handed out all the pids its slot has.
    #[error("the node has handed out all of its 2^37 pids; restart it (it will take a new slot)")]
    PidsExhausted,
    /// The node's processes use all of its guest memory budget.
    #[error(
        "the node's processes use all of its guest memory budget ({} MiB); raise --memory-budget-mib",
        .0 >> 20
    )]
    MemoryBudget(usize),
}

pub(crate) struct NodeInner {
    pub config: NodeConfig,
    pub processes: ProcessTable,
    pub registry: Registry,
    pub timers: Timers,
    pub supervisors: crate::supervisor::Supervisors,
    pub crash_log: Option<crate::crashlog::CrashLog>,
    launcher: std::sync::OnceLock<Arc<dyn Launcher>>,
    /// Carries signals to the other nodes of the cluster (`crate::remote`).
    pub transport: std::sync::OnceLock<Arc<dyn crate::remote::Transport>>,
    /// Spawns asked of other nodes, by request reference.
    pub(crate) spawning: Mutex<std::collections::HashMap<u64, crate::remote::Pending>>,
    /// Questions asked of other nodes, by request reference (`crate::query`).
    pub(crate) asking: Mutex<std::collections::HashMap<u64, crate::query::Asked>>,
    /// What answers other nodes' questions.
    pub(crate) answerer: std::sync::OnceLock<Arc<dyn crate::query::Answerer>>,
    /// Questions being answered now.
    pub(crate) answering: AtomicUsize,
    /// The connected nodes and who watches them.
    pub(crate) node_watch: Mutex<crate::nodewatch::NodeWatch>,
    pub stats: NodeStats,
    /// The CPU of ended processes, by module.
    pub(crate) ended_cpu: crate::load::EndedCpu,
    pub exits: Mutex<ExitLog>,
    pub events: broadcast::Sender<NodeEvent>,
    pub rt: tokio::runtime::Handle,
    /// Where processes run, unless `config.schedulers` is 0 (then on `rt`).
    pub(crate) sched: Option<crate::sched::Schedulers>,
    /// The bytes in all mailboxes, and their budget.
    mailboxes: Arc<crate::process::mailbox::NodeMailboxes>,
    /// The linear memory of all processes together, in bytes.
    guest_memory: AtomicUsize,
    /// Every grant, shared by the processes that have them all.
    all_grants: Arc<crate::config::Grants>,
    /// Pids and references: numbers a guest cannot guess (see `mint.rs`).
    pub pids: crate::mint::Mint,
    refs: crate::mint::Mint,
    live: AtomicUsize,
    started: Instant,
    /// Followed messages.
    pub traces: crate::trace::Traces,
    /// Processes the `restart` upgrade policy ended, until their supervisor sees them.
    upgrade_restarts: Mutex<std::collections::HashSet<Pid>>,
}

/// A running node. Cheap to clone: clones share the node.
#[derive(Clone)]
pub struct Node {
    pub(crate) inner: Arc<NodeInner>,
}

impl Node {
    /// Starts a node with `config`, with no launcher yet (see [`Node::set_launcher`]).
    /// Must be called inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// When the crash log cannot be opened.
    pub fn new(config: NodeConfig) -> anyhow::Result<Node> {
        let crash_log = match &config.crash_log {
            Some(path) => Some(
                crate::crashlog::CrashLog::open(path, crate::crashlog::CrashLog::DEFAULT_MAX_BYTES)
                    .map_err(|e| {
                        anyhow::anyhow!("opening the crash log {}: {e}", path.display())
                    })?,
            ),
            None => None,
        };
        let (events, _) = broadcast::channel(4096);
        let mailboxes = crate::process::mailbox::NodeMailboxes::new(config.budgets.mailbox_bytes);
        let sched = match config.schedulers {
            0 => None,
            n => Some(
                crate::sched::Schedulers::new(
                    n,
                    config.cluster.as_ref().and_then(|c| c.runtime.clone()),
                )
                .map_err(|e| anyhow::anyhow!("starting {n} scheduler threads: {e}"))?,
            ),
        };
        let slot = config.cluster.as_ref().map(|c| c.slot);
        let pids = match &config.cluster {
            Some(c) => crate::mint::Mint::clustered(c.key, c.slot),
            None => crate::mint::Mint::new(),
        };
        Ok(Node {
            inner: Arc::new(NodeInner {
                config,
                processes: ProcessTable::default(),
                registry: Registry::default(),
                timers: Timers::default(),
                supervisors: Default::default(),
                crash_log,
                launcher: std::sync::OnceLock::new(),
                transport: std::sync::OnceLock::new(),
                spawning: Mutex::default(),
                asking: Mutex::default(),
                answerer: std::sync::OnceLock::new(),
                answering: AtomicUsize::new(0),
                node_watch: Mutex::default(),
                stats: NodeStats::default(),
                ended_cpu: Default::default(),
                exits: Mutex::new(ExitLog::default()),
                events,
                rt: tokio::runtime::Handle::current(),
                sched,
                mailboxes,
                guest_memory: AtomicUsize::new(0),
                all_grants: Arc::new(crate::config::Grants::all()),
                pids,
                refs: crate::mint::Mint::new(),
                live: AtomicUsize::new(0),
                started: Instant::now(),
                traces: crate::trace::Traces::new(slot),
                upgrade_restarts: Default::default(),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.inner.config
    }

    /// Sets what runs the code of spawned processes (once; a second call is refused).
    ///
    /// # Errors
    ///
    /// When the node already has a launcher.
    pub fn set_launcher(&self, launcher: Arc<dyn Launcher>) -> anyhow::Result<()> {
        self.inner
            .launcher
            .set(launcher)
            .map_err(|_| anyhow::anyhow!("the node already has a launcher"))
    }

    /// The tokio runtime the node was created on: the host's own work runs there (the API,
    /// native processes, compiling); processes, supervisors and what they start run on the
    /// node's schedulers when it has them ([`Node::local_handle`]).
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.inner.rt
    }

    /// Where work started by a process should run: the runtime of the calling thread when
    /// it is one of the node's schedulers (so a timer that fires or an upgrade prepared for
    /// a process wakes no other thread, and no third thread competes for the cores),
    /// [`Node::handle`] otherwise.
    pub fn local_handle(&self) -> &tokio::runtime::Handle {
        self.inner
            .sched
            .as_ref()
            .and_then(|s| s.here_handle())
            .unwrap_or(&self.inner.rt)
    }

    /// Runs a process's task where processes run: on the schedulers (on the caller's, when
    /// it is one of them), or on [`Node::handle`] when the node has none.
    pub(crate) fn spawn_process_task(&self, task: crate::sched::Task) {
        match &self.inner.sched {
            Some(s) => s.spawn(task),
            None => drop(self.inner.rt.spawn(task)),
        }
    }

    /// Marks `pid` as ended by the node under the `restart` upgrade policy, so that its
    /// supervisor does not count the restart toward its intensity.
    pub fn mark_upgrade_restart(&self, pid: Pid) {
        self.inner.upgrade_restarts.lock().insert(pid);
    }

    /// Whether the node ended `pid` under the `restart` upgrade policy (asked once, by
    /// its supervisor). Marked by the host, so a guest or a client cannot fake it with the
    /// same exit reason.
    pub(crate) fn take_upgrade_restart(&self, pid: Pid) -> bool {
        self.inner.upgrade_restarts.lock().remove(&pid)
    }

    /// A new unique reference (monitors, timers, `make_ref`): below 2^53, never 0, and not
    /// to be guessed from the ones before it.
    pub fn make_ref(&self) -> u64 {
        // Refs have all 53 bits (no slot), so the mint never runs out.
        self.inner.refs.next().unwrap_or(1)
    }

    /// Whether this node handed out `pid` (the process may have ended since). A pid it
    /// never handed out is a guess: a guest can only have it by forging it.
    pub fn issued(&self, pid: Pid) -> bool {
        self.inner.pids.issued(pid.0)
    }

    /// Milliseconds since the node started (the ABI's `now_ms`).
    pub fn now_ms(&self) -> i64 {
        i64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// A live process.
    pub fn process(&self, pid: Pid) -> Option<Arc<Process>> {
        self.inner.processes.get(pid)
    }

    /// All live processes, in the order they were spawned.
    pub fn processes(&self) -> Vec<Arc<Process>> {
        let mut all = self.inner.processes.all();
        all.sort_by_cached_key(|p| self.spawn_order(p.pid()));
        all
    }

    /// Where `pid` comes in the order this node spawned its processes (the first is 1), to
    /// sort by: the pids themselves are in no order. `None` for a number outside the range
    /// of pids.
    pub fn spawn_order(&self, pid: Pid) -> Option<u64> {
        self.inner.pids.count(pid.0)
    }

    /// Number of live processes.
    pub fn process_count(&self) -> usize {
        self.inner.live.load(Ordering::Acquire)
    }

    /// Node-wide counters.
    pub fn stats(&self) -> &NodeStats {
        &self.inner.stats
    }

    /// Subscribes to spawns, exits and process output.
    pub fn subscribe(&self) -> broadcast::Receiver<NodeEvent> {
        self.inner.events.subscribe()
    }

    /// What is remembered of a process that has exited (the most recent exits are kept).
    pub fn exit_record(&self, pid: Pid) -> Option<ExitRecord> {
        self.inner.exits.lock().get(pid)
    }

    /// Emits a node event to the subscribers, if there are any (`event` runs only then).
    pub fn emit(&self, event: impl FnOnce() -> NodeEvent) {
        if self.inner.events.receiver_count() > 0 {
            let _ = self.inner.events.send(event());
        }
    }

    /// Reserves a slot under the process cap and the subtree's quota, and creates the
    /// process record.
    fn create(
        &self,
        module: Arc<str>,
        version: u32,
        opts: SpawnOpts,
    ) -> Result<(Arc<Process>, Option<u64>), SpawnError> {
        let refused = &self.inner.stats.refused;
        if let Some(budget) = self.inner.config.budgets.guest_memory
            && self.guest_memory() >= budget
        {
            refused.guest_memory.fetch_add(1, Ordering::Relaxed);
            return Err(SpawnError::MemoryBudget(budget));
        }
        let parent = match opts.parent {
            Some(p) => Some(self.process(p).ok_or(SpawnError::NoParent(p))?),
            None => None,
        };
        let max = self.inner.config.max_processes;
        if self.inner.live.fetch_add(1, Ordering::AcqRel) >= max as usize {
            self.inner.live.fetch_sub(1, Ordering::AcqRel);
            refused.processes.fetch_add(1, Ordering::Relaxed);
            return Err(SpawnError::Limit(max));
        }
        let Some(pid) = self.inner.pids.next().map(Pid) else {
            self.inner.live.fetch_sub(1, Ordering::AcqRel);
            refused.processes.fetch_add(1, Ordering::Relaxed);
            return Err(SpawnError::PidsExhausted);
        };
        // A guest's child counts in its parent's subtree; a process started by a supervisor
        // or from outside (a native parent, or none) starts one.
        let subtree = match (&opts.subtree, &parent) {
            (Some(s), _) => s.clone(),
            (None, Some(p)) if !p.module().starts_with("native:") => p.subtree.clone(),
            _ => crate::process::Subtree::new(pid),
        };
        let quota = self.inner.config.subtree_processes();
        if subtree.live.fetch_add(1, Ordering::AcqRel) >= quota {
            subtree.live.fetch_sub(1, Ordering::AcqRel);
            self.inner.live.fetch_sub(1, Ordering::AcqRel);
            refused.subtree_processes.fetch_add(1, Ordering::Relaxed);
            return Err(SpawnError::SubtreeLimit(quota, subtree.root()));
        }
        let mailbox = crate::process::Mailbox::in_node(self.inner.mailboxes.clone());
        let grants = match (&opts.grants, &parent) {
            (Some(g), _) => g.clone(),
            (None, Some(p)) if !p.module().starts_with("native:") => p.grants.clone(),
            (None, _) => self.inner.all_grants.clone(),
        };
        let child = Arc::new(Process::new(
            pid,
            module.clone(),
            version,
            opts.parent,
            (subtree, grants),
            mailbox,
        ));
        self.inner.processes.insert(child.clone());
        if let Some(rp) = &opts.remote_parent {
            self.adopt(&child, rp);
        }
        let mut monitor = None;
        if let Some(parent) = &parent {
            // The child has run no code yet, so linking and monitoring cannot race with its
            // exit: spawn_link and spawn_monitor are atomic.
            if opts.link {
                let _ = self.link(parent, pid);
            }
            if opts.monitor {
                monitor = Some(self.monitor(parent, pid));
            }
        }
        self.inner.stats.spawned.fetch_add(1, Ordering::Relaxed);
        let parent = opts.parent;
        self.emit(|| NodeEvent::Spawned {
            pid,
            module,
            parent,
        });
        Ok((child, monitor))
    }

    /// The linear memory of all Wasm processes together, in bytes.
    pub fn guest_memory(&self) -> usize {
        self.inner.guest_memory.load(Ordering::Relaxed)
    }

    /// The bytes queued in all mailboxes.
    pub fn mailbox_bytes(&self) -> usize {
        self.inner.mailboxes.used()
    }

    /// The messages queued in all mailboxes.
    pub fn mailbox_messages(&self) -> usize {
        self.inner.mailboxes.messages()
    }

    /// Counts `bytes` more of guest linear memory, unless that would pass the node's
    /// budget: then nothing is counted, the refusal is, and false is returned.
    pub fn reserve_guest_memory(&self, bytes: usize) -> bool {
        let Some(budget) = self.inner.config.budgets.guest_memory else {
            self.inner.guest_memory.fetch_add(bytes, Ordering::Relaxed);
            return true;
        };
        let took =
            self.inner
                .guest_memory
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                    used.checked_add(bytes).filter(|&total| total <= budget)
                });
        if took.is_err() {
            self.inner
                .stats
                .refused
                .guest_memory
                .fetch_add(1, Ordering::Relaxed);
        }
        took.is_ok()
    }

    /// Gives back guest linear memory counted by [`Node::reserve_guest_memory`] (an
    /// instance was dropped).
    pub fn release_guest_memory(&self, bytes: usize) {
        self.inner.guest_memory.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Spawns a process running the current version of `module` with `args`.
    ///
    /// # Errors
    ///
    /// [`SpawnError::Limit`] at the process cap. An unknown module is not an error: the
    /// child exits at once with reason `undef`.
    pub fn spawn(
        &self,
        module: &str,
        args: Vec<u8>,
        opts: SpawnOpts,
    ) -> Result<Spawned, SpawnError> {
        let prepared = match self.inner.launcher.get() {
            Some(l) => l.prepare(self, module, args, &opts),
            None => Prepared::missing(module),
        };
        let (proc, monitor) = self.create(prepared.module, prepared.version, opts)?;
        let pid = proc.pid();
        let node = self.clone();
        let run = prepared.run;
        let task = async move {
            let reason = match run {
                Some(run) => {
                    let run = run(node.clone(), proc.clone());
                    crate::process::cpu::Metered::new(proc.clone(), run).await
                }
                None => ExitReason::Undef(format!("module `{}` is not loaded", proc.module())),
            };
            node.finish(&proc, reason);
        };
        self.spawn_process_task(Box::pin(task));
        Ok(Spawned { pid, monitor })
    }

    /// Creates a native (host-side) process: a pid and a mailbox driven by Rust code, through
    /// which host code talks to guests.
    ///
    /// # Errors
    ///
    /// [`SpawnError::Limit`] at the process cap.
    pub fn spawn_native(&self, label: &str) -> Result<NativeProcess, SpawnError> {
        let (proc, _) = self.create(
            Arc::from(format!("native:{label}")),
            0,
            SpawnOpts::default(),
        )?;
        let node = self.clone();
        let p = proc.clone();
        self.inner.rt.spawn(async move {
            let reason = p.stop_requested().await;
            node.finish(&p, reason);
        });
        Ok(NativeProcess::new(self.clone(), proc))
    }

    /// Sends bytes from `from` to `to`. Never fails visibly: a message to a dead pid is
    /// dropped and counted; a full mailbox applies the overflow action.
    pub fn send(&self, from: Pid, to: Pid, data: impl Into<Box<[u8]>>) {
        self.deliver(to, Message::user(from, data));
    }

    /// Sends a message into the node from outside it (sender `Pid(0)`), optionally
    /// followed: the returned trace id names the flow it sets off (see [`Node::trace`]).
    pub fn inject(&self, to: Pid, data: impl Into<Box<[u8]>>, follow: bool) -> Option<u64> {
        let tag = follow.then(|| self.inner.traces.start());
        self.deliver(to, Message::user(Pid(0), data).traced(tag));
        tag.map(|t| t.id)
    }

    /// Where the node keeps its crash log, if it keeps one.
    pub fn crash_log_path(&self) -> Option<std::path::PathBuf> {
        self.inner
            .crash_log
            .as_ref()
            .map(|l| l.path().to_path_buf())
    }

    /// The recorded flow of a followed message.
    pub fn trace(&self, id: u64) -> Option<crate::trace::Trace> {
        self.inner.traces.get(id)
    }

    /// Sends the spans of followed messages to `sink` as they happen (an OpenTelemetry
    /// exporter); false when the node has one already.
    pub fn set_span_sink(&self, sink: Arc<dyn crate::trace::SpanSink>) -> bool {
        self.inner.traces.set_sink(sink)
    }

    /// Sends to a registered name.
    ///
    /// # Errors
    ///
    /// When no process has the name.
    pub fn send_named(
        &self,
        from: Pid,
        name: &str,
        data: impl Into<Box<[u8]>>,
    ) -> Result<(), crate::registry::NotRegistered> {
        self.send_named_traced(from, name, data, None)
    }

    /// Sends to a registered name, with the trace tag of a followed message.
    ///
    /// # Errors
    ///
    /// When no process has the name.
    pub fn send_named_traced(
        &self,
        from: Pid,
        name: &str,
        data: impl Into<Box<[u8]>>,
        trace: Option<crate::message::TraceTag>,
    ) -> Result<(), crate::registry::NotRegistered> {
        let pid = self.whereis(name).ok_or(crate::registry::NotRegistered)?;
        self.deliver(pid, Message::user(from, data).traced(trace));
        Ok(())
    }

    /// Puts a message in `to`'s mailbox, applying the caps: the one way a message reaches
    /// a process (a message to a dead pid is dropped and counted). Returns whether `to` was
    /// a live process.
    pub fn deliver(&self, to: Pid, msg: Message) -> bool {
        let stats = &self.inner.stats;
        stats.sent.fetch_add(1, Ordering::Relaxed);
        let Some(target) = self.process(to) else {
            if msg.kind == crate::message::MessageKind::User
                && let crate::remote::Place::There(slot) = self.place(to)
            {
                // A followed message takes its place in the trace along.
                let carried = msg.trace.and_then(|_| {
                    let node = self.pid_node(to);
                    self.inner.traces.carry(to, &node, &msg)
                });
                let (from, data) = (msg.sender, msg.data);
                let send = crate::remote::Signal::Send {
                    from,
                    to,
                    data,
                    trace: carried.map(|c| c.0),
                };
                if !self.to_node(slot, send) {
                    if let Some((_, hop)) = carried {
                        self.inner.traces.lost(hop);
                    }
                    stats.dropped_dead.fetch_add(1, Ordering::Relaxed);
                }
                return true;
            }
            stats.dropped_dead.fetch_add(1, Ordering::Relaxed);
            self.inner.traces.record(to, None, &msg, false);
            return false;
        };
        let cfg = &self.inner.config;
        // A traced message is recorded before the receiver can act on it (so what it sends
        // finds its cause), and then with what became of it.
        let recorded = self.inner.traces.begin(&target, &msg);
        let outcome = target
            .mailbox
            .push(msg, cfg.mailbox_max_messages, cfg.mailbox_max_bytes);
        if let Some(r) = recorded {
            self.inner.traces.finish(r, outcome.is_ok());
        }
        match outcome {
            Ok(()) => target.count_received(),
            Err(Rejected::Closed) => {
                stats.dropped_dead.fetch_add(1, Ordering::Relaxed);
            }
            Err(Rejected::Full) => {
                stats.dropped_overflow.fetch_add(1, Ordering::Relaxed);
                if cfg.mailbox_overflow == MailboxOverflow::Exit {
                    target.request_stop(ExitReason::Limit("mailbox".into()));
                }
            }
            // The node's mailboxes together are full: this receiver need not be the one at
            // fault, so the message is dropped and counted, and nobody is ended.
            Err(Rejected::NodeFull) => {
                stats.dropped_overflow.fetch_add(1, Ordering::Relaxed);
                stats.refused.mailbox_bytes.fetch_add(1, Ordering::Relaxed);
            }
        }
        true
    }

    /// Ends every process with reason `shutdown` (native ones too) and waits, up to
    /// `grace`, for them to be gone.
    pub async fn shutdown(&self, grace: std::time::Duration) {
        for p in self.processes() {
            p.request_stop(ExitReason::Shutdown);
        }
        let deadline = Instant::now() + grace;
        while self.process_count() > 0 && Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Writes a report to the crash log, if the node keeps one.
    pub fn report(&self, report: impl FnOnce() -> crate::crashlog::Report) {
        if let Some(log) = &self.inner.crash_log {
            log.write(&report());
        }
    }

    pub(crate) fn release_slot(&self, proc: &Process) {
        proc.subtree.live.fetch_sub(1, Ordering::AcqRel);
        self.inner.live.fetch_sub(1, Ordering::AcqRel);
    }

    pub(crate) fn record_exit(&self, record: ExitRecord) {
        let pid = record.pid;
        let (module, name, reason) = (
            record.module.clone(),
            record.name.clone(),
            record.reason.clone(),
        );
        self.inner.exits.lock().push(record);
        self.emit(|| NodeEvent::Exited {
            pid,
            module,
            name,
            reason,
        });
    }

    /// What a process wrote to its standard output or error: kept in its output tail and
    /// announced line by line, under the node's output rate per process (the excess is
    /// dropped and counted).
    pub fn write_output(&self, proc: &Process, stream: crate::process::Stream, bytes: &[u8]) {
        let b = &self.inner.config.budgets;
        let rate = crate::process::output::OutputRate {
            lines: b.output_lines_per_sec,
            bytes: b.output_bytes_per_sec,
        };
        let written = proc.write_output(stream, bytes, rate);
        if written.dropped > 0 {
            self.inner
                .stats
                .refused
                .output_bytes
                .fetch_add(written.dropped, Ordering::Relaxed);
        }
        if written.lines.is_empty() {
            return;
        }
        let module: Arc<str> = Arc::from(proc.module());
        for line in written.lines {
            self.emit_output(proc.pid(), &module, line);
        }
    }

    /// Emits a line a process wrote to its standard output or error.
    pub fn emit_output(&self, pid: Pid, module: &Arc<str>, line: crate::process::OutputLine) {
        self.emit(|| NodeEvent::Output {
            pid,
            module: module.clone(),
            line,
        });
    }
}
