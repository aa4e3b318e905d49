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
//!
//! A fiber-less process (`LoadedModule::fiberless`) cannot yield: its calls are plain
//! synchronous calls on the worker's stack. [`synchronous`] is its tick: it counts the
//! tick, ends the process past its CPU cap or when it was asked to stop (a kill cannot
//! wait for the call to return), and once a call has run through [`HAND_OFF_TICK`] it
//! hands the worker's other tasks to another thread (tokio's `block_in_place`), so a long
//! callback costs a core, not the processes queued behind it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use hatchery_core::process::mailbox::woken_not_run;
use wasmtime::{StoreContextMut, UpdateDeadline};

use super::state::{GuestExit, ProcessState};
use crate::exit::ExitReason;

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

/// The tick of one synchronous call from which its worker's other tasks are handed to
/// another thread (tried again at each later tick until the hand-off took, see
/// [`hand_off_worker`]).
pub(crate) const HAND_OFF_TICK: u64 = 2;

/// How long one try at a hand-off waits for the new thread to take the worker's core.
const HAND_OFF_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// The epoch tick of a fiber-less process.
pub(crate) fn synchronous(
    mut ctx: StoreContextMut<'_, ProcessState>,
) -> wasmtime::Result<UpdateDeadline> {
    let state = ctx.data_mut();
    if state.cpu.tick() {
        return Err(wasmtime::Error::new(GuestExit(ExitReason::Limit(
            "cpu".into(),
        ))));
    }
    if let Some(reason) = state.proc.stop_reason() {
        return Err(wasmtime::Error::new(GuestExit(reason)));
    }
    if !state.cpu.handed_off && state.cpu.running().is_some_and(|t| t >= HAND_OFF_TICK) {
        state.cpu.handed_off = hand_off_worker();
    }
    Ok(UpdateDeadline::Continue(1))
}

/// Moves the current worker's run queue to another thread while this one goes on with a
/// long synchronous call; true once another thread has it.
///
/// tokio's `block_in_place` sends the worker's core to a new thread and takes it back when
/// its closure returns, if that thread has not taken it yet. So the closure waits until a
/// marker task queued on the core has run (only the core's holder runs it), for at most
/// [`HAND_OFF_WAIT`]: on a loaded machine a new thread can take longer than any fixed
/// wait, and the next tick tries again. Only on a multi-threaded runtime (elsewhere
/// `block_in_place` panics; a current-thread runtime has no other thread to run on).
fn hand_off_worker() -> bool {
    use tokio::runtime::{Handle, RuntimeFlavor};
    let Ok(handle) = Handle::try_current() else {
        return true;
    };
    if handle.runtime_flavor() != RuntimeFlavor::MultiThread {
        return true;
    }
    let taken = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let marker = taken.clone();
    // Queued on this worker's core: whoever runs it holds the core.
    drop(handle.spawn(async move { marker.store(true, Ordering::Release) }));
    tokio::task::block_in_place(|| {
        let start = std::time::Instant::now();
        while !taken.load(Ordering::Acquire) && start.elapsed() < HAND_OFF_WAIT {
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
    });
    taken.load(Ordering::Acquire)
}
