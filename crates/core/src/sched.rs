//! Schedulers: one run queue per core, as BEAM has, and stealing only when there is work
//! to steal.
//!
//! Each scheduler is a tokio runtime with one worker thread. (On one runtime with a worker
//! per core, tokio wakes an idle worker whenever a worker queues a task and no worker is
//! looking for work, even when the queue holds only that task: in a chain of messages
//! between two processes, every few hops. BENCHMARKS.md, "Schedulers".)
//!
//! A process is not a tokio task for its whole life. Its future lives in a [`Slot`]; a
//! tokio task exists only while the process is runnable, to poll it, and ends when the
//! process waits. So a wake-up can choose the scheduler each time:
//!
//! - **Woken from a scheduler's thread, the process runs on that thread** (Linux's
//!   wake-affine): a message to a waiting receiver is a task in the sender's own queue
//!   (tokio's LIFO slot: it runs next), and no other thread is woken. A chain of messages
//!   (ping-pong, a ring, a restart) stays on one core whatever scheduler each process ran
//!   on before.
//! - **Woken from elsewhere** (the HTTP API, a native process, a timer set from outside),
//!   it runs where it ran last.
//! - **A child starts where its parent runs**, unless processes already wait there: then
//!   on a parked scheduler, or one with two fewer waiting.
//! - **Spreading**: a process that waited a quarter of a slice to run while another
//!   scheduler's thread is parked (or has two tasks fewer waiting) moves there instead of
//!   running, at most once a millisecond, and then runs where it arrived. So an idle
//!   scheduler is woken only when there is work for it, and parallel work (processes that
//!   stay runnable) spreads over the cores.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;
use tokio::runtime::{Handle, Runtime};

/// A process's future, as the node spawns it.
pub(crate) type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

thread_local! {
    /// The scheduler this thread belongs to: the set's id and the scheduler's index.
    static HERE: std::cell::Cell<(u64, usize)> = const { std::cell::Cell::new((0, 0)) };
}

/// Ids of scheduler sets, so that a thread of one node's schedulers is not taken for
/// one of another's (tests run several nodes in one OS process).
static NEXT_SET: AtomicU64 = AtomicU64::new(1);

/// One scheduler's shared counters.
#[derive(Default)]
struct Core {
    /// Processes queued on it and not yet polled.
    queued: AtomicUsize,
    /// Its worker thread is parked (it found no work).
    parked: AtomicBool,
}

struct Shared {
    id: u64,
    /// The schedulers' runtimes; an adopted one comes last.
    handles: Vec<Handle>,
    /// How many of them are the schedulers' own.
    owned: usize,
    cores: Arc<Vec<Core>>,
    /// Spawns from outside the schedulers go round them.
    next: AtomicUsize,
    /// Processes that ran on another scheduler than the one they ran on before.
    moves: AtomicU64,
    /// The clock of [`Shared::now`].
    started: std::time::Instant,
    /// Every process not yet finished, by id: the futures of waiting processes belong to
    /// no tokio task, so the schedulers drop them when they stop.
    live: Mutex<HashMap<u64, Arc<Slot>>>,
    next_slot: AtomicU64,
    stopped: AtomicBool,
}

/// The node's schedulers.
pub(crate) struct Schedulers {
    shared: Arc<Shared>,
    runtimes: Vec<Runtime>,
}

impl Schedulers {
    /// Starts `n` schedulers (at least one), each a runtime with one worker thread, and
    /// adopts `extra` (a runtime driven by a thread of someone else's, such as the
    /// cluster's connection) as one more, which runs what its thread wakes.
    pub(crate) fn new(n: usize, extra: Option<Handle>) -> std::io::Result<Schedulers> {
        let n = n.max(1);
        let id = NEXT_SET.fetch_add(1, Ordering::Relaxed);
        // An adopted runtime runs processes only when its thread woke them: none start or
        // spread there (`owned` bounds where they may go).
        let all = n + usize::from(extra.is_some());
        let cores: Arc<Vec<Core>> = Arc::new((0..all).map(|_| Core::default()).collect());
        let mut runtimes = Vec::with_capacity(n);
        for i in 0..n {
            let (park, unpark) = (cores.clone(), cores.clone());
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                // Processes queued from other threads (woken there, spawned by the API,
                // spreading) wait in tokio's global queue, which a worker looks at only
                // every 61 polls by default: 61 time slices behind a spinning guest.
                .global_queue_interval(4)
                .thread_name(format!("hatchery-sched-{i}"))
                .on_thread_start(move || HERE.with(|h| h.set((id, i))))
                .on_thread_park(move || park[i].parked.store(true, Ordering::Relaxed))
                .on_thread_unpark(move || unpark[i].parked.store(false, Ordering::Relaxed))
                .enable_all()
                .build()?;
            runtimes.push(rt);
        }
        let mut handles: Vec<Handle> = runtimes.iter().map(|r| r.handle().clone()).collect();
        if let Some(h) = extra {
            // Its thread is taken for the scheduler it now is once this has run there.
            h.spawn(async move { HERE.with(|here| here.set((id, n))) });
            handles.push(h);
        }
        let shared = Arc::new(Shared {
            id,
            handles,
            owned: n,
            cores,
            next: AtomicUsize::new(0),
            moves: AtomicU64::new(0),
            started: std::time::Instant::now(),
            live: Mutex::new(HashMap::new()),
            next_slot: AtomicU64::new(1),
            stopped: AtomicBool::new(false),
        });
        Ok(Schedulers { shared, runtimes })
    }

    /// The schedulers' runtimes (an adopted one last).
    pub(crate) fn handles(&self) -> &[Handle] {
        &self.shared.handles
    }

    /// Runs `task` on the scheduler of the calling thread, or, from a thread that is not
    /// one of them, on a parked one or the next in turn.
    pub(crate) fn spawn(&self, task: Task) {
        self.shared.spawn(task);
    }

    /// How many times a process ran on another scheduler than the one before.
    #[cfg(test)]
    fn moves(&self) -> u64 {
        self.shared.moves.load(Ordering::Relaxed)
    }

    /// The runtime of the calling thread, when it is one of these schedulers.
    pub(crate) fn here_handle(&self) -> Option<&Handle> {
        self.shared.here().map(|i| &self.shared.handles[i])
    }
}

impl Drop for Schedulers {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        // Without waiting: the last reference to a node may go on one of its own threads.
        for rt in self.runtimes.drain(..) {
            rt.shutdown_background();
        }
        // The waiting processes' futures (a process being polled now drops its own when
        // its poll returns and it sees `stopped`).
        let live = std::mem::take(&mut *self.shared.live.lock());
        for slot in live.into_values() {
            if let Some(mut f) = slot.future.try_lock() {
                drop(f.take());
            }
        }
    }
}

impl Shared {
    /// Nanoseconds since the schedulers started, never 0.
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn spawn(self: &Arc<Self>, task: Task) {
        let i = match self.here() {
            Some(here) => self.backlog_elsewhere(here).unwrap_or(here),
            None => self
                .claim_parked(usize::MAX)
                .unwrap_or_else(|| self.next.fetch_add(1, Ordering::Relaxed) % self.owned),
        };
        start(self.clone(), i, task);
    }

    /// Where a process spawned on `here` starts instead, when processes already wait to
    /// run there: a parked scheduler, or one with two fewer waiting. A parent that spawns
    /// many children keeps both cores busy (as tokio's stealing half a queue at once did),
    /// and a child spawned into an empty queue (a restart, a call) stays.
    fn backlog_elsewhere(&self, here: usize) -> Option<usize> {
        if self.cores[here].queued.load(Ordering::Relaxed) < BACKLOG {
            return None;
        }
        self.claim_parked(here).or_else(|| self.less_busy(here))
    }

    /// The calling thread's scheduler, if it is one of these.
    fn here(&self) -> Option<usize> {
        let (id, i) = HERE.with(std::cell::Cell::get);
        (id == self.id).then_some(i)
    }

    /// A scheduler with at least two tasks fewer waiting than `here` has (counting the
    /// one about to move): moving there shortens the longer queue without waking anyone.
    fn less_busy(&self, here: usize) -> Option<usize> {
        let mine = self.cores[here].queued.load(Ordering::Relaxed) + 1;
        (0..self.owned)
            .filter(|&j| j != here)
            .map(|j| (self.cores[j].queued.load(Ordering::Relaxed), j))
            .min()
            .filter(|&(theirs, _)| theirs + 2 <= mine)
            .map(|(_, j)| j)
    }

    /// A parked scheduler other than `except`, marked awake so that one wake-up brings it
    /// one process, not every process that looks at once.
    fn claim_parked(&self, except: usize) -> Option<usize> {
        (0..self.owned).filter(|&j| j != except).find(|&j| {
            self.cores[j]
                .parked
                .compare_exchange(true, false, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        })
    }
}

/// Processes waiting on a scheduler from which a new one starts elsewhere.
const BACKLOG: usize = 1;

/// A process's state in [`Slot::state`].
const IDLE: u8 = 0;
/// A tokio task is queued to poll it.
const SCHEDULED: u8 = 1;
/// It is being polled.
const RUNNING: u8 = 2;
/// It was woken while being polled: it runs again.
const NOTIFIED: u8 = 3;
/// It has finished.
const DONE: u8 = 4;

/// The least time between two spreading moves of one process, in ns: a process that keeps
/// finding others queued behind it does not go back and forth at every poll.
const SPREAD_EVERY_NS: u64 = 1_000_000;

/// How long a process must have waited to run before it spreads, in ns: a quarter of the
/// default time slice. Work queued behind a process that ran for a few µs is no reason to
/// spread: a chain whose sender was preempted (every guest running at an epoch tick
/// yields) right after it sent would be split.
const SPREAD_WAIT_NS: u64 = 250_000;

/// A process: its future, and what its wakers and the tasks that poll it share.
struct Slot {
    id: u64,
    shared: Arc<Shared>,
    state: AtomicU8,
    /// The scheduler it is queued on, or ran on last.
    sched: AtomicUsize,
    future: Mutex<Option<Task>>,
    /// When it was last queued ([`Shared::now`]).
    queued_at: AtomicU64,
    /// When it last moved to spread the load (0: never).
    spread_at: AtomicU64,
    /// It moved to spread the load and has not run since.
    spread_arrived: AtomicBool,
}

/// Starts `task` as a process queued on scheduler `i`.
fn start(shared: Arc<Shared>, i: usize, task: Task) {
    let id = shared.next_slot.fetch_add(1, Ordering::Relaxed);
    let slot = Arc::new(Slot {
        id,
        shared: shared.clone(),
        state: AtomicU8::new(SCHEDULED),
        sched: AtomicUsize::new(i),
        future: Mutex::new(Some(task)),
        queued_at: AtomicU64::new(0),
        spread_at: AtomicU64::new(0),
        spread_arrived: AtomicBool::new(false),
    });
    shared.live.lock().insert(id, slot.clone());
    if shared.stopped.load(Ordering::SeqCst) {
        shared.live.lock().remove(&id);
        return;
    }
    slot.queue_on(i);
}

impl Slot {
    /// Queues a task that polls it on scheduler `i` (its state is already [`SCHEDULED`]).
    fn queue_on(self: &Arc<Self>, i: usize) {
        let shared = &self.shared;
        if self.sched.swap(i, Ordering::Relaxed) != i {
            shared.moves.fetch_add(1, Ordering::Relaxed);
        }
        self.queued_at.store(shared.now(), Ordering::Relaxed);
        shared.cores[i].queued.fetch_add(1, Ordering::Relaxed);
        shared.handles[i].spawn(Run {
            slot: self.clone(),
            over: false,
        });
    }

    /// Where it should run instead of `here`, where it waited since `queued_at`: a parked
    /// scheduler or one with two tasks fewer waiting, when others wait behind it here and
    /// it waited long enough ([`SPREAD_WAIT_NS`], at most once per [`SPREAD_EVERY_NS`]).
    fn spread(&self, here: usize) -> Option<usize> {
        let shared = &self.shared;
        // Just moved here to spread: it runs here, whatever waits. (Otherwise, between two
        // schedulers each running a spinning guest, it found the other's spinner queued
        // behind it at every arrival and moved on, never running: a ping-pong's round trip
        // beside two spinners took up to 300 ms.)
        if self.spread_arrived.swap(false, Ordering::Relaxed) {
            return None;
        }
        if shared.cores[here].queued.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let now = shared.now();
        if now.saturating_sub(self.queued_at.load(Ordering::Relaxed)) < SPREAD_WAIT_NS {
            return None;
        }
        let last = self.spread_at.load(Ordering::Relaxed);
        if last != 0 && now.saturating_sub(last) < SPREAD_EVERY_NS {
            return None;
        }
        let to = shared
            .claim_parked(here)
            .or_else(|| shared.less_busy(here))?;
        self.spread_at.store(now, Ordering::Relaxed);
        self.spread_arrived.store(true, Ordering::Relaxed);
        Some(to)
    }

    /// Ends a process whose future finished, or that the schedulers' stop left behind.
    fn finish(&self) {
        self.state.store(DONE, Ordering::Release);
        drop(self.future.lock().take());
        self.shared.live.lock().remove(&self.id);
    }
}

impl Wake for Slot {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                IDLE => SCHEDULED,
                RUNNING => NOTIFIED,
                // Already to run again, or finished: a waker kept past the end (a
                // timer, a dead process's mailbox) queues nothing.
                _ => return,
            };
            match self
                .state
                .compare_exchange(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if next == SCHEDULED => {
                    let to = self
                        .shared
                        .here()
                        .unwrap_or_else(|| self.sched.load(Ordering::Relaxed));
                    self.queue_on(to);
                    return;
                }
                Ok(_) => return,
                Err(now) => state = now,
            }
        }
    }
}

/// The tokio task that polls a process once it is runnable; it ends when the process
/// waits or finishes.
struct Run {
    slot: Arc<Slot>,
    /// It returned `Ready`: the process waits, moved, or finished.
    over: bool,
}

impl Drop for Run {
    /// A task dropped before it was done belongs to a runtime that shut down under it: an
    /// adopted one whose thread ended (a node that left its cluster). The process, still
    /// runnable, goes to one of the schedulers' own runtimes.
    fn drop(&mut self) {
        let slot = &self.slot;
        let shared = &slot.shared;
        // Only a task that was queued and not being polled (a poll that panicked left the
        // process `RUNNING`: it is not polled again).
        if self.over
            || shared.stopped.load(Ordering::SeqCst)
            || slot.state.load(Ordering::Acquire) != SCHEDULED
        {
            return;
        }
        let was = slot.sched.load(Ordering::Relaxed);
        let _ = shared.cores[was]
            .queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if was < shared.owned {
            // An own runtime shuts down only when the schedulers stop.
            return;
        }
        slot.queue_on(was % shared.owned);
    }
}

impl Future for Run {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let ready = this.poll_slot(cx);
        this.over = ready.is_ready();
        ready
    }
}

impl Run {
    fn poll_slot(&self, cx: &mut Context<'_>) -> Poll<()> {
        let slot = &self.slot;
        let shared = &slot.shared;
        let here = slot.sched.load(Ordering::Relaxed);
        let _ = shared.cores[here]
            .queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        if shared.stopped.load(Ordering::SeqCst) {
            slot.finish();
            return Poll::Ready(());
        }
        if let Some(j) = slot.spread(here) {
            slot.queue_on(j);
            return Poll::Ready(());
        }
        slot.state.store(RUNNING, Ordering::Release);
        let waker = Waker::from(slot.clone());
        let done = {
            let mut future = slot.future.lock();
            match future.as_mut() {
                Some(f) => f.as_mut().poll(&mut Context::from_waker(&waker)).is_ready(),
                None => true,
            }
        };
        if done || shared.stopped.load(Ordering::SeqCst) {
            slot.finish();
            return Poll::Ready(());
        }
        match slot
            .state
            .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
        {
            // It waits: this task ends, and a wake-up starts another where it is woken.
            Ok(_) => Poll::Ready(()),
            // Woken while it ran (a preempted guest yields so): to the back of this
            // scheduler's queue, as tokio's `yield_now`.
            Err(_) => {
                slot.state.store(SCHEDULED, Ordering::Release);
                slot.queued_at.store(shared.now(), Ordering::Relaxed);
                shared.cores[here].queued.fetch_add(1, Ordering::Relaxed);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn wait_parked(s: &Schedulers) {
        for _ in 0..1000 {
            if s.shared
                .cores
                .iter()
                .all(|c| c.parked.load(Ordering::Relaxed))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("the schedulers did not park");
    }

    /// A process woken from an adopted runtime's thread runs on that thread; once that
    /// runtime has ended, the process runs on the schedulers' own.
    #[test]
    fn an_adopted_runtime_runs_what_its_thread_wakes_and_hands_it_back_when_it_ends() {
        let (h_tx, h_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let adopted = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                h_tx.send((Handle::current(), std::thread::current().id()))
                    .unwrap();
                let _ = stop_rx.await;
            });
        });
        let (handle, there) = h_rx.recv().unwrap();
        let s = Schedulers::new(1, Some(handle.clone())).unwrap();
        let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let (report_tx, report_rx) = std::sync::mpsc::channel();
        s.spawn(Box::pin(async move {
            while msg_rx.recv().await.is_some() {
                report_tx.send(std::thread::current().id()).unwrap();
            }
        }));
        let wait = Duration::from_secs(60);
        // From outside: it starts on an own scheduler.
        msg_tx.send(()).unwrap();
        assert_ne!(report_rx.recv_timeout(wait).unwrap(), there);
        // Woken from the adopted thread while it waits, it runs there. (Woken while it is
        // still running after its report, it runs again where it is: so a few tries.)
        let ran_there = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(2));
            let from_there = msg_tx.clone();
            handle.spawn(async move { from_there.send(()).unwrap() });
            report_rx.recv_timeout(wait).unwrap() == there
        });
        assert!(
            ran_there,
            "a process woken from the adopted thread never ran there"
        );
        // The adopted runtime ends; a wake-up that would queue it there runs it at home.
        stop_tx.send(()).unwrap();
        adopted.join().unwrap();
        msg_tx.send(()).unwrap();
        assert_ne!(report_rx.recv_timeout(wait).unwrap(), there);
        assert_eq!(s.shared.cores[1].queued.load(Ordering::Relaxed), 0);
    }

    /// Two tasks that wake each other in turn (one runnable at a time) stay on one
    /// scheduler.
    #[test]
    fn a_chain_of_wake_ups_stays_on_one_scheduler() {
        let s = Schedulers::new(2, None).unwrap();
        wait_parked(&s);
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = s.shared.clone();
        s.spawn(Box::pin(async move {
            let (a_tx, mut a_rx) = tokio::sync::mpsc::channel::<u32>(1);
            let (b_tx, mut b_rx) = tokio::sync::mpsc::channel::<u32>(1);
            let here = std::thread::current().id();
            let (done_tx, done_rx) = tokio::sync::oneshot::channel();
            shared.spawn(Box::pin(async move {
                while let Some(v) = a_rx.recv().await {
                    let _ = b_tx.send(v + 1).await;
                }
                let _ = done_tx.send(std::thread::current().id());
            }));
            let mut v = 0;
            for _ in 0..1000 {
                a_tx.send(v).await.unwrap();
                v = b_rx.recv().await.unwrap();
            }
            drop(a_tx);
            let child = done_rx.await.unwrap();
            tx.send((v, here == child, here == std::thread::current().id()))
                .unwrap();
        }));
        let (v, same_child, same_parent) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(v, 1000);
        assert!(same_child && same_parent, "a chain of wake-ups moved");
        assert_eq!(s.moves(), 0);
    }

    /// Two tasks that stay runnable (they yield) on one scheduler: one moves to the
    /// parked one, and each finishes.
    #[test]
    fn a_second_runnable_task_moves_to_a_parked_scheduler() {
        let s = Schedulers::new(2, None).unwrap();
        wait_parked(&s);
        let (tx, rx) = std::sync::mpsc::channel();
        let threads = Arc::new(Mutex::new(std::collections::HashSet::new()));
        for _ in 0..2 {
            let (threads, tx) = (threads.clone(), tx.clone());
            start(
                s.shared.clone(),
                0,
                Box::pin(async move {
                    // Slices of a millisecond, as a spinning guest's: the other waits
                    // a whole slice each time.
                    for _ in 0..50 {
                        threads.lock().insert(std::thread::current().id());
                        let slice = std::time::Instant::now();
                        while slice.elapsed() < Duration::from_millis(1) {
                            std::hint::spin_loop();
                        }
                        yield_once().await;
                    }
                    tx.send(()).unwrap();
                }),
            );
        }
        for _ in 0..2 {
            rx.recv_timeout(Duration::from_secs(60)).unwrap();
        }
        assert!(s.moves() >= 1, "two runnable tasks shared one scheduler");
        assert_eq!(threads.lock().len(), 2);
    }

    /// A waker kept past its task's end (a timer, a mailbox of a dead process) does not
    /// count the finished task as queued.
    #[test]
    fn waking_a_finished_task_leaves_no_count() {
        let s = Schedulers::new(2, None).unwrap();
        let kept = Arc::new(Mutex::new(None::<Waker>));
        let (tx, rx) = std::sync::mpsc::channel();
        let k = kept.clone();
        s.spawn(Box::pin(std::future::poll_fn(move |cx| {
            *k.lock() = Some(cx.waker().clone());
            let _ = tx.send(());
            Poll::Ready(())
        })));
        rx.recv_timeout(Duration::from_secs(60)).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let w = kept.lock().take().unwrap();
        w.wake_by_ref();
        w.wake();
        let queued: usize = s
            .shared
            .cores
            .iter()
            .map(|c| c.queued.load(Ordering::Relaxed))
            .sum();
        assert_eq!(queued, 0);
    }

    /// The two ends of a chain started on different schedulers end up on one.
    #[test]
    fn a_chain_split_across_schedulers_joins_on_one() {
        let s = Schedulers::new(2, None).unwrap();
        wait_parked(&s);
        let (a_tx, mut a_rx) = tokio::sync::mpsc::channel::<u32>(1);
        let (b_tx, mut b_rx) = tokio::sync::mpsc::channel::<u32>(1);
        let (tx, rx) = std::sync::mpsc::channel();
        let tx2 = tx.clone();
        start(
            s.shared.clone(),
            1,
            Box::pin(async move {
                while let Some(v) = a_rx.recv().await {
                    let _ = b_tx.send(v + 1).await;
                }
                let _ = tx2.send((0, std::thread::current().id()));
            }),
        );
        start(
            s.shared.clone(),
            0,
            Box::pin(async move {
                let mut v = 0;
                // Long enough for moves a millisecond apart.
                let started = std::time::Instant::now();
                while started.elapsed() < Duration::from_millis(50) {
                    a_tx.send(v).await.unwrap();
                    v = b_rx.recv().await.unwrap();
                }
                drop(a_tx);
                let _ = tx.send((v, std::thread::current().id()));
            }),
        );
        let (x, y) = (
            rx.recv_timeout(Duration::from_secs(60)).unwrap(),
            rx.recv_timeout(Duration::from_secs(60)).unwrap(),
        );
        assert!(x.0.max(y.0) > 0);
        assert_eq!(x.1, y.1, "the two ends ran on different threads");
        assert!(s.moves() >= 1);
    }

    /// A ring of tasks laid out on both schedulers in turn ends up on one.
    #[test]
    fn a_ring_across_schedulers_joins_on_one() {
        let s = Schedulers::new(2, None).unwrap();
        wait_parked(&s);
        let n = 50;
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..n)
            .map(|_| tokio::sync::mpsc::unbounded_channel::<u64>())
            .unzip();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let threads = Arc::new(Mutex::new(Vec::new()));
        for (i, mut rx) in rxs.into_iter().enumerate() {
            let next = txs[(i + 1) % n].clone();
            let (done_tx, threads) = (done_tx.clone(), threads.clone());
            start(
                s.shared.clone(),
                i % 2,
                Box::pin(async move {
                    while let Some(v) = rx.recv().await {
                        if v == 0 {
                            threads.lock().push(std::thread::current().id());
                            let _ = next.send(0);
                            break;
                        }
                        let _ = next.send(v - 1);
                    }
                    let _ = done_tx.send(());
                }),
            );
        }
        txs[0].send(200_000).unwrap();
        for _ in 0..n {
            done_rx.recv_timeout(Duration::from_secs(60)).unwrap();
        }
        let t = threads.lock();
        let first = t[0];
        let apart = t.iter().filter(|&&x| x != first).count();
        assert_eq!(apart, 0);
    }

    /// A yield as wasmtime's epoch yield does it: wake at once, then Pending (tokio's
    /// `yield_now` defers the wake-up).
    async fn yield_once() {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                return Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
    }

    /// A task that spins in slices of a millisecond, yielding between them, `slices` times.
    fn spinner(slices: u32, done: Arc<AtomicUsize>) -> Task {
        Box::pin(async move {
            for _ in 0..slices {
                let slice = std::time::Instant::now();
                while slice.elapsed() < Duration::from_millis(1) {
                    std::hint::spin_loop();
                }
                yield_once().await;
            }
            done.fetch_add(1, Ordering::SeqCst);
        })
    }

    /// With a spinner on each scheduler, a third runnable task still runs: one that moved
    /// to spread the load runs where it arrived, instead of finding the other spinner
    /// queued behind it there and moving on at every arrival.
    #[test]
    fn a_task_beside_a_spinner_on_each_scheduler_is_not_moved_for_ever() {
        let s = Schedulers::new(2, None).unwrap();
        wait_parked(&s);
        let spinners_done = Arc::new(AtomicUsize::new(0));
        start(s.shared.clone(), 0, spinner(400, spinners_done.clone()));
        start(s.shared.clone(), 1, spinner(400, spinners_done.clone()));
        let (tx, rx) = std::sync::mpsc::channel();
        let done = spinners_done.clone();
        start(
            s.shared.clone(),
            0,
            Box::pin(async move {
                for _ in 0..20 {
                    yield_once().await;
                }
                let _ = tx.send(done.load(Ordering::SeqCst));
            }),
        );
        let finished_spinners = rx.recv_timeout(Duration::from_secs(120)).unwrap();
        assert_eq!(
            finished_spinners, 0,
            "the task ran only once the spinners ended"
        );
    }

    /// A child spawned while another already waits where its parent runs starts on the
    /// parked scheduler; the first child stays with its parent.
    #[test]
    fn a_child_spawned_behind_a_waiting_one_starts_on_a_parked_scheduler() {
        let s = Schedulers::new(2, None).unwrap();
        wait_parked(&s);
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = s.shared.clone();
        s.spawn(Box::pin(async move {
            let _ = tx.send((0, std::thread::current().id()));
            for child in 1..=2 {
                let tx = tx.clone();
                shared.spawn(Box::pin(async move {
                    let _ = tx.send((child, std::thread::current().id()));
                }));
            }
        }));
        let mut threads = std::collections::BTreeMap::new();
        for _ in 0..3 {
            let (who, thread) = rx.recv_timeout(Duration::from_secs(60)).unwrap();
            threads.insert(who, thread);
        }
        assert_eq!(threads[&1], threads[&0], "the first child left its parent");
        assert_ne!(
            threads[&2], threads[&0],
            "the second child waited behind the first"
        );
    }
}
