//! What the node's work costs: CPU by module and by scheduler, for the inspector, `top`,
//! the node's history and its metrics.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use parking_lot::Mutex;

use crate::node::Node;
use crate::process::Process;

/// The CPU of processes that ended, by module (those alive count themselves).
#[derive(Default)]
pub(crate) struct EndedCpu(Mutex<HashMap<Arc<str>, u64>>);

impl EndedCpu {
    /// Adds an ended process's CPU to its module's. A process that never ran (a module
    /// that is not loaded) adds nothing, so names that never ran code take no room.
    pub(crate) fn add(&self, proc: &Process) {
        let ns = proc.counters.cpu_ns.load(Ordering::Relaxed);
        if ns > 0 {
            *self.0.lock().entry(Arc::from(proc.module())).or_default() += ns;
        }
    }
}

impl Node {
    /// Nanoseconds the processes of each module that have ended ran on a scheduler, by
    /// module name (a live process's is its `cpu_ns`: callers that go over the processes
    /// add those on the way).
    pub fn ended_cpu_by_module(&self) -> HashMap<Arc<str>, u64> {
        self.inner.ended_cpu.0.lock().clone()
    }

    /// How long each thread that runs processes has been busy since it started: the
    /// schedulers, or the node runtime's workers when it has none.
    pub fn worker_busy(&self) -> Vec<Duration> {
        let handles: Vec<&tokio::runtime::Handle> = match &self.inner.sched {
            Some(s) => s.handles().iter().collect(),
            None => vec![&self.inner.rt],
        };
        handles
            .into_iter()
            .flat_map(|h| {
                let m = h.metrics();
                (0..m.num_workers()).map(move |i| m.worker_total_busy_duration(i))
            })
            .collect()
    }
}
