//! Timers: `send_after` and `cancel_timer`.
//!
//! Each timer is a tokio sleep in its own small task; tokio's timer wheel makes tens of
//! thousands of them cheap. The table maps a reference to the task, so cancelling is a
//! lookup and an abort.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::message::Message;
use crate::node::Node;
use crate::pid::Pid;
use crate::process::signals::OverCap;

#[derive(Default)]
pub(crate) struct Timers {
    pending: Mutex<HashMap<u64, (AbortHandle, Instant)>>,
}

impl Node {
    /// After `delay`, sends `data` from `from` to `to`. Returns the timer reference. The
    /// timer is cancelled if `to` ends first (or is not alive now: then it never fires).
    ///
    /// # Errors
    ///
    /// [`OverCap::Timers`] when `to` already has as many pending timers as the node allows
    /// ([`crate::config::Budgets::timers`]); the refusal is counted.
    pub fn send_after(
        &self,
        from: Pid,
        to: Pid,
        delay: Duration,
        data: Vec<u8>,
    ) -> Result<u64, OverCap> {
        let r = self.make_ref();
        let Some(target) = self.process(to) else {
            return Ok(r);
        };
        {
            let mut s = target.signals.lock();
            if !s.alive {
                return Ok(r);
            }
            let cap = self.inner.config.budgets.timers;
            let len = s.timers.len();
            if len >= cap || (len >= 64 && len.is_power_of_two()) {
                // Forget timers that already fired or were cancelled, so the list stays
                // short (at each doubling, so that many timers cost linear time).
                let pending = self.inner.timers.pending.lock();
                s.timers.retain(|t| pending.contains_key(t));
            }
            if s.timers.len() >= cap {
                self.inner
                    .stats
                    .refused
                    .timers
                    .fetch_add(1, Ordering::Relaxed);
                return Err(OverCap::Timers);
            }
            s.timers.push(r);
        }
        let deadline = Instant::now() + delay;
        let node = self.clone();
        // Hold the table lock while spawning, so the task cannot fire before its entry exists.
        let mut pending = self.inner.timers.pending.lock();
        let task = self.local_handle().spawn(async move {
            tokio::time::sleep_until(deadline).await;
            if node.inner.timers.pending.lock().remove(&r).is_some() {
                node.deliver(to, Message::user(from, data));
            }
        });
        pending.insert(r, (task.abort_handle(), deadline));
        Ok(r)
    }

    /// Timers that have not fired or been cancelled.
    pub fn pending_timers(&self) -> usize {
        self.inner.timers.pending.lock().len()
    }

    /// Cancels the timers aimed at a process that has ended.
    pub(crate) fn cancel_timers(&self, refs: &[u64]) {
        for &r in refs {
            self.cancel_timer(r);
        }
    }

    /// Cancels a timer; returns the time that was left, or `None` when it already fired or
    /// was cancelled.
    pub fn cancel_timer(&self, r: u64) -> Option<Duration> {
        let (task, deadline) = self.inner.timers.pending.lock().remove(&r)?;
        task.abort();
        Some(deadline.saturating_duration_since(Instant::now()))
    }
}
