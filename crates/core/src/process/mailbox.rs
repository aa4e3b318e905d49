//! The mailbox: a host-side FIFO queue per process, scanned by position.

use std::collections::VecDeque;
use std::task::{Poll, Waker};
use std::time::Duration;

use parking_lot::Mutex;

use crate::message::{Message, MessageKind};

/// Why a message did not go into a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// The owner has exited: the message is dropped.
    Closed,
    /// The mailbox is at its cap (messages or bytes).
    Full,
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

/// A process's mailbox.
///
/// Any process appends; only the owner reads, by position (`peek`) and removes (`take`),
/// so the position of a message stays valid until its owner takes a message before it.
pub struct Mailbox {
    queue: Mutex<Queue>,
}

impl Default for Mailbox {
    fn default() -> Self {
        Mailbox {
            queue: Mutex::new(Queue {
                messages: VecDeque::new(),
                bytes: 0,
                closed: false,
                waiting: None,
                also_waiting: Vec::new(),
            }),
        }
    }
}

impl Mailbox {
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
            q.bytes += msg.size();
            q.messages.push_back(msg);
            let others = (!q.also_waiting.is_empty()).then(|| std::mem::take(&mut q.also_waiting));
            (q.waiting.take(), others)
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
        Some(msg)
    }

    /// Removes the first message for which `pred` holds.
    pub fn take_first(&self, pred: impl Fn(&Message) -> bool) -> Option<Message> {
        let mut q = self.queue.lock();
        let index = q.messages.iter().position(pred)?;
        let msg = q.messages.remove(index)?;
        q.bytes -= msg.size();
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
    /// the wait begins and after each [`Mailbox::wake`] (and each message).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    pub async fn wait_until(&self, index: usize, woken: impl Fn() -> bool) {
        std::future::poll_fn(|cx| {
            let mut q = self.queue.lock();
            if q.messages.len() > index || woken() {
                return Poll::Ready(());
            }
            let me = cx.waker();
            match &q.waiting {
                None => q.waiting = Some(me.clone()),
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
            (q.waiting.take(), std::mem::take(&mut q.also_waiting))
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
        q.bytes = 0;
        let n = q.messages.len();
        q.messages = VecDeque::new();
        n
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
}
