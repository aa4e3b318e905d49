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
    Swap(crate::runtime::code::SwapRecord),
    /// A changed module file could not become a new version; the current one stays.
    SwapRejected {
        /// The module name.
        module: String,
        /// What was wrong.
        error: String,
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
    /// Messages dropped because the receiver was dead.
    pub dropped_dead: AtomicU64,
    /// Messages refused by a full mailbox.
    pub dropped_overflow: AtomicU64,
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
