//! Dropping replaced stores off the processes' path.
//!
//! Dropping a store returns its instance slot to the pool (resetting the pages it
//! touched, at times a TLB shoot-down), so an upgrade and a hibernation hand the old store
//! to a thread of their own. Waking that thread for each store cost the pause more than
//! the drop it saved: a futex wake and, on a VM, an inter-processor interrupt (in a
//! profile of 10,000 upgrades, 59 of the 79 samples of the switch outside guest code).
//! So a store only joins a queue, and the epoch ticker hands the queue to the thread at
//! most once a tick: one wake-up per tick however many processes upgrade.

use std::sync::Arc;
use std::sync::mpsc::Sender;

use anyhow::Context as _;
use parking_lot::Mutex;
use wasmtime::Store;

use super::state::ProcessState;

type Stores = Vec<Store<ProcessState>>;

pub(crate) struct Reaper {
    queue: Mutex<Stores>,
    thread: Sender<Stores>,
}

impl Reaper {
    /// Starts the reaper's thread.
    pub fn start() -> anyhow::Result<Arc<Reaper>> {
        let (thread, batches) = std::sync::mpsc::channel::<Stores>();
        std::thread::Builder::new()
            .name("hatchery-reaper".into())
            .spawn(move || batches.iter().for_each(drop))
            .context("starting the store reaper")?;
        Ok(Arc::new(Reaper {
            queue: Mutex::new(Vec::new()),
            thread,
        }))
    }

    /// Queues `store` to be dropped within a tick, without waking anyone.
    pub fn retire(&self, store: Store<ProcessState>) {
        self.queue.lock().push(store);
    }

    /// Hands what was queued to the reaper's thread (the epoch ticker calls this each
    /// tick). Where the thread is gone, drops it here.
    pub fn hand_over(&self) {
        let batch = {
            let mut queue = self.queue.lock();
            if queue.is_empty() {
                return;
            }
            std::mem::take(&mut *queue)
        };
        if let Err(e) = self.thread.send(batch) {
            drop(e.0);
        }
    }
}
