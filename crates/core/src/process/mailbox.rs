//! The mailbox: a host-side FIFO queue per process, scanned by position.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use crate::message::{Message, MessageKind};

/// Processes woken by a message (or [`Mailbox::wake`]) that have not run since: the work
/// waiting behind whatever runs now. A runtime can let these go first when it preempts a
/// process at the end of its time slice, so that a process that waits for messages is not
/// queued behind processes that spin. One count for the OS process, as all its nodes share
/// the same worker threads.
static WOKEN: AtomicUsize = AtomicUsize::new(0);

/// How many processes were woken by a message and have not run since (see [`WOKEN`]).
pub fn woken_not_run() -> usize {
    WOKEN.load(Ordering::Relaxed)
}

/// Why a message did not go into a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// The owner has exited: the message is dropped.
    Closed,
    /// The mailbox is at its cap (messages or bytes).
    Full,
    /// The node's mailboxes together are at their budget.
    NodeFull,
}

/// The bytes queued in all the mailboxes of a node, and their budget
/// ([`crate::config::Budgets::mailbox_bytes`]).
#[derive(Debug)]
pub struct NodeMailboxes {
    used: AtomicUsize,
    /// The messages queued now (beside `used`, on the same cache line).
    messages: AtomicUsize,
    max: usize,
}

impl NodeMailboxes {
    /// A budget of `max` bytes, none used.
    pub fn new(max: usize) -> Arc<NodeMailboxes> {
        Arc::new(NodeMailboxes {
            used: AtomicUsize::new(0),
            messages: AtomicUsize::new(0),
            max,
        })
    }

    /// The bytes queued now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// The messages queued now.
    pub fn messages(&self) -> usize {
        self.messages.load(Ordering::Relaxed)
    }

    fn release(&self, bytes: usize, messages: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
        if messages > 0 {
            self.messages.fetch_sub(messages, Ordering::Relaxed);
        }
    }
}

struct Queue {
    messages: VecDeque<Message>,
    bytes: usize,
    closed: bool,
    /// The task waiting for a message (the owner's driver), woken by the next push. Kept
    /// under the queue's lock, so a waiter that found too few messages cannot miss the
    /// push that follows.
    waiting: Option<Waker>,
    /// Other tasks waiting at once (a native process's second task): rare.
    also_waiting: Vec<Waker>,
}

impl Queue {
    /// Takes the owner's waker to wake it, counting it in `woken` until it runs.
    fn take_waiting(&mut self, woken: &AtomicUsize) -> Option<Waker> {
        let w = self.waiting.take();
        if w.is_some() {
            woken.fetch_add(1, Ordering::Relaxed);
        }
        w
    }
}

/// A process's mailbox.
///
/// Any process appends; only the owner reads, by position (`peek`) and removes (`take`),
/// so the position of a message stays valid until its owner takes a message before it.
pub struct Mailbox {
    queue: Mutex<Queue>,
    /// Where its owner is counted while woken and not yet run: [`WOKEN`] but in tests.
    woken: &'static AtomicUsize,
    /// The node's mailboxes together.
    node: Arc<NodeMailboxes>,
}

impl Default for Mailbox {
    fn default() -> Self {
        Mailbox::in_node(NodeMailboxes::new(usize::MAX))
    }
}

impl Mailbox {
    /// A mailbox counted in a node's mailbox budget.
    pub fn in_node(node: Arc<NodeMailboxes>) -> Self {
        Mailbox::counted_in(&WOKEN, node)
    }

    fn counted_in(woken: &'static AtomicUsize, node: Arc<NodeMailboxes>) -> Self {
        Mailbox {
            woken,
            node,
            queue: Mutex::new(Queue {
                messages: VecDeque::new(),
                bytes: 0,
                closed: false,
                waiting: None,
                also_waiting: Vec::new(),
            }),
        }
    }

    /// Appends a message, enforcing the caps on user messages (exit and down messages are
    /// always accepted: they are bounded by the links and monitors that produce them).
    pub fn push(
        &self,
        msg: Message,
        max_messages: usize,
        max_bytes: usize,
    ) -> Result<(), Rejected> {
        let waiting = {
            let mut q = self.queue.lock();
            if q.closed {
                return Err(Rejected::Closed);
            }
            if msg.kind == MessageKind::User
                && (q.messages.len() >= max_messages || q.bytes + msg.size() > max_bytes)
            {
                return Err(Rejected::Full);
            }
            let size = msg.size();
            if self.node.used.fetch_add(size, Ordering::Relaxed) + size > self.node.max
                && msg.kind == MessageKind::User
            {
                self.node.release(size, 0);
                return Err(Rejected::NodeFull);
            }
            self.node.messages.fetch_add(1, Ordering::Relaxed);
            q.bytes += size;
            q.messages.push_back(msg);
            let others = (!q.also_waiting.is_empty()).then(|| std::mem::take(&mut q.also_waiting));
            (q.take_waiting(self.woken), others)
        };
        // Woken outside the lock: the woken task's first act is to take it.
        let (first, others) = waiting;
        if let Some(w) = first {
            w.wake();
        }
        for w in others.into_iter().flatten() {
            w.wake();
        }
        Ok(())
    }

    /// Runs `f` on the message at `index`, if there is one.
    pub fn peek<R>(&self, index: usize, f: impl FnOnce(&Message) -> R) -> Option<R> {
        self.queue.lock().messages.get(index).map(f)
    }

    /// Removes and returns the message at `index`.
    pub fn take(&self, index: usize) -> Option<Message> {
        let mut q = self.queue.lock();
        let msg = q.messages.remove(index)?;
        q.bytes -= msg.size();
        self.node.release(msg.size(), 1);
        Some(msg)
    }

    /// Removes the first message for which `pred` holds.
    pub fn take_first(&self, pred: impl Fn(&Message) -> bool) -> Option<Message> {
        let mut q = self.queue.lock();
        let index = q.messages.iter().position(pred)?;
        let msg = q.messages.remove(index)?;
        q.bytes -= msg.size();
        self.node.release(msg.size(), 1);
        Some(msg)
    }

    /// Number of queued messages.
    pub fn len(&self) -> usize {
        self.queue.lock().messages.len()
    }

    /// Whether no message is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of queued messages.
    pub fn bytes(&self) -> usize {
        self.queue.lock().bytes
    }

    /// Copies of the first `limit` messages, oldest first.
    pub fn snapshot(&self, limit: usize) -> Vec<Message> {
        self.queue
            .lock()
            .messages
            .iter()
            .take(limit)
            .cloned()
            .collect()
    }

    /// Waits until a message exists at `index`, for at most `timeout` (`None`: forever).
    /// Returns false when the time ran out.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits; nothing is taken from the mailbox.
    pub async fn wait_for(&self, index: usize, timeout: Option<Duration>) -> bool {
        let arrived = self.wait_until(index, || false);
        // A timeout too large to represent waits forever.
        match timeout.and_then(|t| tokio::time::Instant::now().checked_add(t)) {
            None => {
                arrived.await;
                true
            }
            Some(d) => tokio::time::timeout_at(d, arrived).await.is_ok(),
        }
    }

    /// Waits until a message exists at `index` or `woken` holds; `woken` is checked when
    /// the wait begins and after each [`Mailbox::wake`] (and each message). One task waits
    /// on a mailbox with one call at a time (other tasks may wait beside it).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn wait_until(&self, index: usize, woken: impl Fn() -> bool) {
        let mut wait = Wait {
            mailbox: self,
            registered: None,
        };
        std::future::poll_fn(|cx| {
            let mut q = self.queue.lock();
            wait.ran(&q);
            if q.messages.len() > index || woken() {
                return Poll::Ready(());
            }
            let me = cx.waker();
            match &q.waiting {
                None => {
                    q.waiting = Some(me.clone());
                    wait.registered = Some(me.clone());
                }
                Some(w) if w.will_wake(me) => {}
                Some(_) => {
                    if !q.also_waiting.iter().any(|w| w.will_wake(me)) {
                        q.also_waiting.push(me.clone());
                    }
                }
            }
            Poll::Pending
        })
        .await;
    }

    /// Wakes whoever waits on this mailbox without a message (something else changed
    /// that the waiter checks, such as a pending code change).
    pub fn wake(&self) {
        let (first, others) = {
            let mut q = self.queue.lock();
            (
                q.take_waiting(self.woken),
                std::mem::take(&mut q.also_waiting),
            )
        };
        if let Some(w) = first {
            w.wake();
        }
        for w in others {
            w.wake();
        }
    }

    /// Refuses all further messages and drops the queued ones; returns how many were dropped.
    pub fn close(&self) -> usize {
        let mut q = self.queue.lock();
        q.closed = true;
        let n = q.messages.len();
        self.node.release(q.bytes, n);
        q.bytes = 0;
        q.messages = VecDeque::new();
        n
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        // A mailbox dropped without `close` (a process record never started) gives its
        // bytes back too.
        let q = self.queue.get_mut();
        self.node.release(q.bytes, q.messages.len());
    }
}

/// The owner's side of a wait: the waker it left in the queue's `waiting` slot, so that a
/// wake-up taken from there is uncounted exactly once, when the owner runs again (or stops
/// waiting).
struct Wait<'a> {
    mailbox: &'a Mailbox,
    registered: Option<Waker>,
}

impl Wait<'_> {
    /// Whether `q` still holds the waker this wait left there.
    fn still_waiting(&self, q: &Queue) -> bool {
        match (&self.registered, &q.waiting) {
            (Some(mine), Some(w)) => w.will_wake(mine),
            _ => false,
        }
    }

    /// The owner runs again: if a push or a wake took its waker, that wake-up is over.
    fn ran(&mut self, q: &Queue) {
        if self.registered.is_some() && !self.still_waiting(q) {
            self.registered = None;
            uncount(self.mailbox.woken);
        }
    }
}

/// One woken owner ran. Never below zero: a miscount only makes preempted guests defer
/// less, never forever.
fn uncount(woken: &AtomicUsize) {
    let _ = woken.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if self.registered.is_none() {
            return;
        }
        let mut q = self.mailbox.queue.lock();
        // Still there: the waker is ours to remove; taken: the wake-up was counted.
        if self.still_waiting(&q) {
            q.waiting = None;
        } else {
            uncount(self.mailbox.woken);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pid::Pid;

    fn msg(b: &[u8]) -> Message {
        Message::user(Pid(1), b.to_vec())
    }

    #[test]
    fn keeps_order_and_takes_by_position() {
        let m = Mailbox::default();
        for b in [b"a", b"b", b"c"] {
            m.push(msg(b), 10, 100).unwrap();
        }
        assert_eq!(&*m.take(1).unwrap().data, b"b");
        assert_eq!(m.peek(0, |x| x.data.to_vec()), Some(b"a".to_vec()));
        assert_eq!(m.peek(1, |x| x.data.to_vec()), Some(b"c".to_vec()));
        assert_eq!(m.bytes(), 2);
    }

    #[test]
    fn the_node_budget_counts_every_mailbox_until_taken_or_closed() {
        let node = NodeMailboxes::new(10);
        let (a, b) = (
            Mailbox::in_node(node.clone()),
            Mailbox::in_node(node.clone()),
        );
        a.push(msg(b"123456"), 10, 100).unwrap();
        assert_eq!(b.push(msg(b"12345"), 10, 100), Err(Rejected::NodeFull));
        b.push(msg(b"1234"), 10, 100).unwrap();
        assert_eq!(node.used(), 10);
        let exit = Message::exit(Pid(2), &crate::exit::ExitReason::Killed);
        b.push(exit, 10, 100).unwrap();
        assert_eq!(node.messages(), 3, "the refused message is not counted");
        a.take(0).unwrap();
        assert_eq!(node.messages(), 2);
        b.close();
        assert_eq!((node.used(), node.messages()), (0, 0));
        a.push(msg(b"1234567890"), 10, 100).unwrap();
        drop(a);
        assert_eq!((node.used(), node.messages()), (0, 0));
    }

    #[test]
    fn caps_count_and_bytes_but_not_system_messages() {
        let m = Mailbox::default();
        m.push(msg(b"12345"), 2, 8).unwrap();
        assert_eq!(m.push(msg(b"12345"), 2, 8), Err(Rejected::Full));
        m.push(msg(b"1"), 2, 8).unwrap();
        assert_eq!(m.push(msg(b"1"), 2, 8), Err(Rejected::Full));
        let exit = Message::exit(Pid(2), &crate::exit::ExitReason::Killed);
        m.push(exit, 2, 8).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m.close(), 3);
        assert_eq!(m.push(msg(b"x"), 2, 8), Err(Rejected::Closed));
    }

    #[tokio::test]
    async fn wait_for_times_out_and_wakes() {
        let m = std::sync::Arc::new(Mailbox::default());
        assert!(!m.wait_for(0, Some(Duration::from_millis(5))).await);
        let m2 = m.clone();
        let waiter = tokio::spawn(async move { m2.wait_for(0, None).await });
        tokio::task::yield_now().await;
        m.push(msg(b"x"), 10, 100).unwrap();
        assert!(waiter.await.unwrap());
    }

    /// Polls `f` once with a waker that does nothing.
    fn poll_once(f: std::pin::Pin<&mut impl std::future::Future<Output = ()>>) -> bool {
        let mut cx = std::task::Context::from_waker(Waker::noop());
        f.poll(&mut cx).is_ready()
    }

    #[test]
    fn a_woken_owner_is_counted_until_it_runs_or_stops_waiting() {
        static WOKEN: AtomicUsize = AtomicUsize::new(0);
        let m = Mailbox::counted_in(&WOKEN, NodeMailboxes::new(usize::MAX));
        let count = || WOKEN.load(Ordering::Relaxed);

        // Woken by a message, counted until it runs.
        let mut wait = std::pin::pin!(m.wait_until(0, || false));
        assert!(!poll_once(wait.as_mut()));
        assert_eq!(count(), 0, "waiting is not woken");
        m.push(msg(b"a"), 10, 100).unwrap();
        assert_eq!(count(), 1);
        assert!(poll_once(wait.as_mut()));
        assert_eq!(count(), 0);

        // Woken, then cancelled before it ran (a timeout won the race).
        let mut wait = Box::pin(m.wait_until(1, || false));
        assert!(!poll_once(wait.as_mut()));
        m.push(msg(b"b"), 10, 100).unwrap();
        assert_eq!(count(), 1);
        drop(wait);
        assert_eq!(count(), 0);

        // Cancelled while waiting: its waker leaves with it, so the next push counts
        // nobody.
        let mut wait = Box::pin(m.wait_until(2, || false));
        assert!(!poll_once(wait.as_mut()));
        drop(wait);
        m.push(msg(b"c"), 10, 100).unwrap();
        assert_eq!(count(), 0);

        // Woken for nothing it waits for: uncounted when it runs, counted again when the
        // message comes.
        let mut wait = std::pin::pin!(m.wait_until(3, || false));
        assert!(!poll_once(wait.as_mut()));
        m.wake();
        assert_eq!(count(), 1);
        assert!(!poll_once(wait.as_mut()));
        assert_eq!(count(), 0);
        m.push(msg(b"d"), 10, 100).unwrap();
        assert_eq!(count(), 1);
        assert!(poll_once(wait.as_mut()));
        assert_eq!(count(), 0);
    }
}
