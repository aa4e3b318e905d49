//! The end of a time slice: what a running guest does when the epoch ticker finds it still
//! running.
//!
//! A guest that yields goes to the back of its worker's run queue. A process woken by a
//! message runs ahead of it only while tokio's LIFO slot lets it (3 polls in a row); after
//! that it queues behind the spinner's whole next slice, so a ping-pong beside two spinning
//! guests waited about one tick per round trip (BENCHMARKS.md, "Scheduling beside spinning
//! guests"). So a preempted guest defers to processes woken by a message: while any of
//! them has not run yet, it yields again each time it is polled, for at most
//! [`DEFER_TICKS`] ticks, and then runs its next slice whatever waits (a guest that
//! computes is slowed by message traffic, never stopped by it).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use hatchery_core::process::mailbox::woken_not_run;

/// The most ticks a preempted guest lets message-woken processes go first.
pub(crate) const DEFER_TICKS: u64 = 2;

/// The ticks of the runtime's epoch ticker, counted for [`Preempted`].
#[derive(Clone, Default)]
pub(crate) struct Ticks(Arc<AtomicU64>);

impl Ticks {
    pub fn tick(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn now(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// The future a preempted guest waits on before its next slice.
    pub fn preempted(&self) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(Preempted {
            ticks: self.clone(),
            until: self.now() + DEFER_TICKS,
            yielded: false,
        })
    }
}

/// Yields once, then again each time it is polled while a message-woken process waits
/// to run, until `until`.
struct Preempted {
    ticks: Ticks,
    until: u64,
    yielded: bool,
}

impl Future for Preempted {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let defer = woken_not_run() > 0 && self.ticks.now() < self.until;
        if self.yielded && !defer {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Woken while it runs, the task goes to the back of its worker's queue.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
