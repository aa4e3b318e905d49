//! What the node reports: events, counters and the record of recent exits.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::process::OutputLine;

/// Something that happened on the node.
#[derive(Clone, Debug)]
pub enum NodeEvent {
    /// A process was created.
    Spawned {
        /// Its pid.
        pid: Pid,
        /// Its module.
        module: Arc<str>,
        /// Who spawned it.
        parent: Option<Pid>,
    },
    /// A process ended.
    Exited {
        /// Its pid.
        pid: Pid,
        /// Its module.
        module: Arc<str>,
        /// The name it was registered under.
        name: Option<Arc<str>>,
        /// Why.
        reason: ExitReason,
    },
    /// A module version became current, and its processes were moved (or not).
    Swap(SwapRecord),
    /// A changed module file could not become a new version; the current one stays.
    SwapRejected {
        /// The module name.
        module: String,
        /// What was wrong.
        error: String,
    },
    /// The module watcher lost a watched folder (it was removed or moved), or found it
    /// again.
    Watch {
        /// The folder.
        folder: String,
        /// Whether changes there are seen now.
        watching: bool,
        /// What happened, for a person.
        message: String,
    },
    /// A process wrote a line to stdout or stderr.
    Output {
        /// Its pid.
        pid: Pid,
        /// Its module.
        module: Arc<str>,
        /// The line.
        line: OutputLine,
    },
}

/// Node-wide counters.
#[derive(Default, Debug)]
pub struct NodeStats {
    /// Processes spawned.
    pub spawned: AtomicU64,
    /// Wasm processes whose instance is ready (instantiated; init about to run).
    pub instantiated: AtomicU64,
    /// Processes ended.
    pub exited: AtomicU64,
    /// Times a behaviour process hibernated.
    pub hibernations: AtomicU64,
    /// Messages sent (including dropped ones).
    pub sent: AtomicU64,
    /// Children restarted by their supervisors.
    pub restarts: AtomicU64,
    /// Hot swaps: a module's processes moved to a new version (first loads not counted).
    pub swaps: AtomicU64,
    /// Messages dropped because the receiver was dead.
    pub dropped_dead: AtomicU64,
    /// Messages refused by a full mailbox.
    pub dropped_overflow: AtomicU64,
    /// Refusals by a cap or budget, by what was refused.
    pub refused: Refusals,
}

/// What the node's caps and budgets refused (each also a clear error code or exit reason
/// for the guest that met it).
#[derive(Default, Debug)]
pub struct Refusals {
    /// `memory.grow` calls and spawns refused by the node's guest memory budget.
    pub guest_memory: AtomicU64,
    /// Messages refused by the node's mailbox budget.
    pub mailbox_bytes: AtomicU64,
    /// Spawns refused by a subtree's process quota.
    pub subtree_processes: AtomicU64,
    /// Spawns refused by the node's process cap.
    pub processes: AtomicU64,
    /// Processes ended for holding too many links.
    pub links: AtomicU64,
    /// Processes ended for holding too many monitors.
    pub monitors: AtomicU64,
    /// Processes ended for setting too many timers.
    pub timers: AtomicU64,
    /// Output bytes dropped by the per-process output rate.
    pub output_bytes: AtomicU64,
    /// Calls refused because the process lacked a grant.
    pub grants: AtomicU64,
    /// Pids presented by guests that the node never handed out (guesses).
    pub forged_pids: AtomicU64,
}

impl Refusals {
    /// Each counter by name, for the API and the CLI.
    pub fn by_name(&self) -> [(&'static str, u64); 10] {
        let get = |c: &AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
        [
            ("guest_memory", get(&self.guest_memory)),
            ("mailbox_bytes", get(&self.mailbox_bytes)),
            ("subtree_processes", get(&self.subtree_processes)),
            ("processes", get(&self.processes)),
            ("links", get(&self.links)),
            ("monitors", get(&self.monitors)),
            ("timers", get(&self.timers)),
            ("output_bytes", get(&self.output_bytes)),
            ("grants", get(&self.grants)),
            ("forged_pids", get(&self.forged_pids)),
        ]
    }
}

/// What is kept of a process after it ended.
#[derive(Clone, Debug)]
pub struct ExitRecord {
    /// Its pid.
    pub pid: Pid,
    /// Its module.
    pub module: Arc<str>,
    /// The name it had.
    pub name: Option<Arc<str>>,
    /// Why it ended.
    pub reason: ExitReason,
    /// The last lines it wrote.
    pub output: Vec<OutputLine>,
}

/// The most recent exits, bounded.
#[derive(Default)]
pub(crate) struct ExitLog {
    order: VecDeque<Pid>,
    records: HashMap<Pid, ExitRecord>,
}

impl ExitLog {
    const CAPACITY: usize = 10_000;

    pub fn push(&mut self, r: ExitRecord) {
        if self.order.len() == Self::CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.records.remove(&old);
        }
        self.order.push_back(r.pid);
        self.records.insert(r.pid, r);
    }

    pub fn get(&self, pid: Pid) -> Option<ExitRecord> {
        self.records.get(&pid).cloned()
    }
}

/// The outcome of one swap (a new version made current, or a rollback).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SwapRecord {
    /// The module.
    pub module: String,
    /// When (ms since the Unix epoch).
    pub at_ms: u64,
    /// The version that was current before (0: none).
    pub from: u32,
    /// The version now current.
    pub to: u32,
    /// What caused it: watch, manual or rollback.
    pub cause: String,
    /// Behaviour processes that switched with their state.
    pub upgraded: u32,
    /// Behaviour processes whose upgrade failed; they stay on their version.
    pub failed: u32,
    /// Processes left running their version (main-style, or no upgrade callbacks under
    /// the `keep` policy).
    pub kept: u32,
    /// Processes ended so that their supervisor restarts them (the `restart` policy).
    pub restarted: u32,
    /// Processes ended because their version fell out (purged).
    pub purged: u32,
    /// Upgrades not finished when the swap stopped waiting (a callback still running).
    pub pending: u32,
    /// Processes that exited before their upgrade ran.
    pub gone: u32,
    /// One line per failure: pid and what went wrong.
    pub errors: Vec<String>,
    /// The longest time one process spent switching (its pause), in microseconds.
    pub pause_max_us: u64,
    /// The total time processes spent switching, in microseconds.
    pub pause_total_us: u64,
    /// From the version becoming current to the last upgrade done, in microseconds.
    pub took_us: u64,
}

impl SwapRecord {
    /// One line for the console.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "swap {}: v{} -> v{} ({}): {} upgraded, {} failed, {} kept, {} restarted, {} purged",
            self.module,
            self.from,
            self.to,
            self.cause,
            self.upgraded,
            self.failed,
            self.kept,
            self.restarted,
            self.purged
        );
        if self.pending > 0 {
            s.push_str(&format!(", {} pending", self.pending));
        }
        if self.gone > 0 {
            s.push_str(&format!(", {} exited first", self.gone));
        }
        s.push_str(&format!(" in {:.1} ms", self.took_us as f64 / 1000.0));
        s
    }
}
