//! The process table: pid → live process.

use std::sync::Arc;

use dashmap::DashMap;

use crate::pid::Pid;
use crate::process::Process;

/// Live processes by pid. Sharded, so lookups from many workers do not contend.
#[derive(Default)]
pub(crate) struct ProcessTable {
    map: DashMap<Pid, Arc<Process>, ahash::RandomState>,
}

impl ProcessTable {
    pub fn insert(&self, p: Arc<Process>) {
        self.map.insert(p.pid(), p);
    }

    pub fn get(&self, pid: Pid) -> Option<Arc<Process>> {
        self.map.get(&pid).map(|e| e.value().clone())
    }

    pub fn remove(&self, pid: Pid) {
        self.map.remove(&pid);
    }

    /// Every live process, in no particular order.
    pub fn all(&self) -> Vec<Arc<Process>> {
        self.map.iter().map(|e| e.value().clone()).collect()
    }
}
