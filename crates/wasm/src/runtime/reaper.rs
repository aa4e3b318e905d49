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

/// Drops values of `T` (the runtime's: replaced stores) on a thread of its own.
pub(crate) struct Reaper<T> {
    queue: Mutex<Vec<T>>,
    thread: Sender<Vec<T>>,
}

impl<T: Send + 'static> Reaper<T> {
    /// Starts the reaper's thread.
    pub fn start() -> anyhow::Result<Arc<Reaper<T>>> {
        let (thread, batches) = std::sync::mpsc::channel::<Vec<T>>();
        std::thread::Builder::new()
            .name("hatchery-reaper".into())
            .spawn(move || batches.iter().for_each(drop))
            .context("starting the store reaper")?;
        Ok(Arc::new(Reaper {
            queue: Mutex::new(Vec::new()),
            thread,
        }))
    }

    /// Queues `value` to be dropped after the next hand-over, without waking anyone.
    pub fn retire(&self, value: T) {
        self.queue.lock().push(value);
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

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
    use std::time::Duration;

    use super::Reaper;

    /// Tells, when dropped, the name of the thread that dropped it.
    struct Told(SyncSender<Option<String>>);

    impl Drop for Told {
        fn drop(&mut self) {
            let _ = self
                .0
                .send(std::thread::current().name().map(str::to_owned));
        }
    }

    fn dropped(rx: &Receiver<Option<String>>) -> Option<String> {
        rx.recv_timeout(Duration::from_secs(30))
            .expect("dropped within 30 s")
    }

    #[test]
    fn a_retired_value_waits_for_the_hand_over_and_drops_on_the_reaper_thread() {
        let reaper = Reaper::start().expect("the reaper starts");
        let (tx, rx) = sync_channel(4);
        reaper.retire(Told(tx.clone()));
        reaper.retire(Told(tx));
        assert!(rx.try_recv().is_err(), "dropped before the hand-over");
        reaper.hand_over();
        for _ in 0..2 {
            assert_eq!(dropped(&rx).as_deref(), Some("hatchery-reaper"));
        }
        // Nothing queued: a hand-over sends nothing and drops nothing.
        reaper.hand_over();
    }
}
