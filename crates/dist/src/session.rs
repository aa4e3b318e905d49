//! One node's session with another: the rule that turns NATS's silent losses into
//! `noconnection`.
//!
//! Each direction of a session is numbered: the sender's `epoch` (a new one each time its
//! side of the session starts over) and `seq`, from 1 (the `HELLO`) up. A receiver takes
//! only the next frame of the epoch it accepted. Anything else (a gap: NATS dropped a
//! frame; a new epoch: the other side started over) means the session broke: this side
//! forgets the session, so links and monitors across it fire `noconnection`, and says
//! `HELLO` with a new epoch, which makes the other side do the same (Erlang's rule that a
//! lost signal is only ever seen together with a lost connection).
//!
//! The state machine is pure: `crate::cluster` feeds it frames, heartbeats and the clock,
//! and does what it answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to do with a frame that arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Apply it: the next frame of the session.
    Apply,
    /// Drop it (a duplicate, or a frame outside any session).
    Drop,
    /// A `HELLO` accepted. `broke`: a session was up and is now gone (tell the node
    /// first); `reply`: say our own `HELLO` back.
    Opened {
        /// Whether a session was up before.
        broke: bool,
        /// Whether our `HELLO` must go out.
        reply: bool,
    },
    /// The session broke here (a gap): tell the node when `was_up`, then say `HELLO`.
    Broke {
        /// Whether a session was up.
        was_up: bool,
    },
}

/// This node's session with one other node.
#[derive(Debug)]
pub struct Session<B = ()> {
    /// The other node's name.
    pub name: Arc<str>,
    out_epoch: u32,
    out_seq: u64,
    hello_sent: bool,
    in_epoch: Option<u32>,
    in_seq: u64,
    /// When anything was last heard from it (a frame or a heartbeat).
    pub last_heard: Instant,
    /// It said goodbye, or was not heard for a ticktime: no session until it is heard again.
    pub quiet: bool,
    /// Signals given while the session was opening, sent once it is up (as Erlang's
    /// auto-connect holds a send until the connection is there).
    pending: Vec<B>,
}

/// At most this many signals wait for a session to open; past it, they are refused.
pub const MAX_PENDING: usize = 100_000;

impl<B> Session<B> {
    /// A session not yet opened with the node called `name`.
    pub fn new(name: Arc<str>, now: Instant) -> Session<B> {
        Session {
            name,
            out_epoch: 1,
            out_seq: 0,
            hello_sent: false,
            in_epoch: None,
            in_seq: 0,
            last_heard: now,
            quiet: false,
            pending: Vec::new(),
        }
    }

    /// Holds `item` until the session is up; false when it cannot wait (the other node is
    /// not heard from, or too much waits already).
    pub fn hold(&mut self, item: B) -> bool {
        if self.quiet || self.pending.len() >= MAX_PENDING {
            return false;
        }
        self.pending.push(item);
        true
    }

    /// What waited for the session, once it is up (nothing before).
    pub fn release(&mut self) -> Vec<B> {
        if self.up() {
            std::mem::take(&mut self.pending)
        } else {
            Vec::new()
        }
    }

    /// Whether signals can go: both `HELLO`s are through.
    pub fn up(&self) -> bool {
        self.hello_sent && self.in_epoch.is_some()
    }

    /// Whether our `HELLO` must go out now (the other node is heard and we have not said it
    /// in this epoch).
    pub fn wants_hello(&self) -> bool {
        !self.hello_sent && !self.quiet
    }

    /// The epoch and seq of the next frame out. The `HELLO` is the first of its epoch.
    pub fn next_out(&mut self, hello: bool) -> (u32, u64) {
        if hello {
            self.hello_sent = true;
            self.out_seq = 0;
        }
        self.out_seq += 1;
        (self.out_epoch, self.out_seq)
    }

    /// Forgets the session and what waited for it; returns whether it was up or anything
    /// waited (either way the node must be told: links may have been recorded).
    pub fn break_off(&mut self) -> bool {
        let was = self.up() || !self.pending.is_empty();
        self.pending.clear();
        self.out_epoch = self.out_epoch.wrapping_add(1);
        self.out_seq = 0;
        self.hello_sent = false;
        self.in_epoch = None;
        self.in_seq = 0;
        was
    }

    /// Something was heard from the node (a frame or a heartbeat) at `now`.
    pub fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.quiet = false;
    }

    /// Judges a frame `(epoch, seq)`; `hello` for a `HELLO`.
    pub fn receive(&mut self, epoch: u32, seq: u64, hello: bool) -> Verdict {
        if hello {
            if seq != 1 || self.in_epoch == Some(epoch) {
                return Verdict::Drop;
            }
            let broke = self.in_epoch.is_some() && self.break_off();
            self.in_epoch = Some(epoch);
            self.in_seq = 2;
            return Verdict::Opened {
                broke,
                reply: !self.hello_sent,
            };
        }
        match self.in_epoch {
            None => Verdict::Drop,
            Some(e) if e == epoch && seq == self.in_seq => {
                self.in_seq += 1;
                Verdict::Apply
            }
            Some(e) if e == epoch && seq < self.in_seq => Verdict::Drop,
            // Sent before the other side started its present epoch: what was lost with it
            // was reported when the session broke.
            Some(e) if (e.wrapping_sub(epoch) as i32) > 0 => Verdict::Drop,
            Some(_) => Verdict::Broke {
                was_up: self.break_off(),
            },
        }
    }

    /// Whether the node has been silent longer than `ticktime` at `now`; if so the session
    /// is forgotten (and the answer says whether it was up).
    pub fn timed_out(&mut self, now: Instant, ticktime: Duration) -> Option<bool> {
        if self.quiet || now.saturating_duration_since(self.last_heard) <= ticktime {
            return None;
        }
        self.quiet = true;
        Some(self.break_off())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two sessions, a's view of b and b's view of a, and a wire between them.
    fn pair() -> (Session<u8>, Session<u8>) {
        let now = Instant::now();
        (Session::new("b".into(), now), Session::new("a".into(), now))
    }

    /// `from` says HELLO to `to`; returns `to`'s verdict.
    fn hello(from: &mut Session<u8>, to: &mut Session<u8>) -> Verdict {
        let (e, s) = from.next_out(true);
        to.receive(e, s, true)
    }

    fn open() -> (Session<u8>, Session<u8>) {
        let (mut a, mut b) = pair();
        assert_eq!(
            hello(&mut a, &mut b),
            Verdict::Opened {
                broke: false,
                reply: true
            }
        );
        assert_eq!(
            hello(&mut b, &mut a),
            Verdict::Opened {
                broke: false,
                reply: false
            }
        );
        assert!(a.up() && b.up());
        (a, b)
    }

    #[test]
    fn frames_in_order_apply_and_a_gap_breaks_both_sides() {
        let (mut a, mut b) = open();
        for _ in 0..3 {
            let (e, s) = a.next_out(false);
            assert_eq!(b.receive(e, s, false), Verdict::Apply);
        }
        // NATS drops one frame silently.
        let _lost = a.next_out(false);
        let (e, s) = a.next_out(false);
        assert_eq!(b.receive(e, s, false), Verdict::Broke { was_up: true });
        assert!(!b.up());
        // b says HELLO with a new epoch; a sees its session broke too, and answers.
        assert_eq!(
            hello(&mut b, &mut a),
            Verdict::Opened {
                broke: true,
                reply: true
            }
        );
        assert_eq!(
            hello(&mut a, &mut b),
            Verdict::Opened {
                broke: false,
                reply: false
            }
        );
        assert!(a.up() && b.up());
        // The frame a sent before it knew is from the old epoch: not applied.
        assert_eq!(b.receive(e, s + 1, false), Verdict::Drop);
        let (e, s) = a.next_out(false);
        assert_eq!(b.receive(e, s, false), Verdict::Apply);
    }

    #[test]
    fn silence_past_the_ticktime_ends_the_session_until_heard_again() {
        let (mut a, _b) = open();
        let t = Duration::from_secs(1);
        let start = a.last_heard;
        assert_eq!(a.timed_out(start + Duration::from_millis(900), t), None);
        assert_eq!(
            a.timed_out(start + Duration::from_millis(1100), t),
            Some(true)
        );
        assert_eq!(a.timed_out(start + Duration::from_secs(5), t), None);
        assert!(!a.up() && !a.wants_hello());
        a.heard(start + Duration::from_secs(6));
        assert!(a.wants_hello());
    }

    #[test]
    fn signals_wait_for_the_session_to_open_and_go_with_it_when_it_breaks() {
        let (mut a, mut b) = pair();
        assert!(a.hold(1) && a.hold(2));
        assert!(
            a.release().is_empty(),
            "nothing goes before the session is up"
        );
        hello(&mut a, &mut b);
        hello(&mut b, &mut a);
        assert_eq!(a.release(), vec![1, 2]);
        assert!(a.release().is_empty());
        // What waits when a session breaks is dropped, and the node must be told.
        let (mut c, _) = pair();
        assert!(c.hold(3));
        assert!(c.break_off(), "a link may be waiting: tell the node");
        assert!(c.release().is_empty());
        c.quiet = true;
        assert!(!c.hold(4), "a node not heard from takes nothing");
    }

    #[test]
    fn frames_before_any_hello_and_duplicates_are_dropped() {
        let (mut a, mut b) = pair();
        assert_eq!(b.receive(1, 5, false), Verdict::Drop);
        let (e, s) = a.next_out(true);
        assert!(matches!(b.receive(e, s, true), Verdict::Opened { .. }));
        assert_eq!(b.receive(e, s, true), Verdict::Drop);
        let (e2, s2) = a.next_out(false);
        assert_eq!(b.receive(e2, s2, false), Verdict::Apply);
        assert_eq!(b.receive(e2, s2, false), Verdict::Drop);
    }
}
