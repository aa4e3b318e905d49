//! CPU accounting: the time each process's code runs on a scheduler.
//!
//! Erlang counts reductions; Hatchery counts time. [`Metered`] wraps the future that runs
//! a process and adds the duration of every poll to the process's counter and to its
//! subtree's. A poll is the guest's code and the host calls it makes, back to back, so the
//! figure is both together: what the process cost its scheduler. Two clock reads per poll
//! (a poll runs until the guest waits or its slice ends) keep it cheap.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Instant;

use super::Process;

/// A process's future, timed.
pub(crate) struct Metered<F> {
    proc: Arc<Process>,
    inner: Pin<Box<F>>,
}

impl<F: Future> Metered<F> {
    pub(crate) fn new(proc: Arc<Process>, inner: F) -> Self {
        Metered {
            proc,
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let began = Instant::now();
        let out = self.inner.as_mut().poll(cx);
        let ns = u64::try_from(began.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.proc.counters.cpu_ns.fetch_add(ns, Ordering::Relaxed);
        self.proc.subtree.cpu_ns.fetch_add(ns, Ordering::Relaxed);
        out
    }
}

impl<F> Unpin for Metered<F> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pid::Pid;
    use crate::process::{Mailbox, Subtree};

    #[tokio::test]
    async fn a_poll_that_computes_is_counted_to_the_process_and_its_subtree() {
        let grants = Arc::new(crate::config::Grants::all());
        let proc = Arc::new(Process::new(
            Pid(1),
            Arc::from("spin"),
            1,
            None,
            (Subtree::new(Pid(1)), grants),
            Mailbox::default(),
        ));
        let spin = async {
            let began = Instant::now();
            while began.elapsed() < std::time::Duration::from_millis(5) {
                std::hint::spin_loop();
            }
        };
        Metered::new(proc.clone(), spin).await;
        let ns = proc.counters.cpu_ns.load(Ordering::Relaxed);
        assert!(ns >= 5_000_000, "counted {ns} ns for 5 ms of work");
        assert!(proc.subtree().cpu_ns() >= ns);
    }
}
