//! Following a message: the flow an injected message sets off.
//!
//! A message injected with `follow` gets a [`TraceTag`]. While a process handles a traced
//! message (a behaviour's callback, or a main-style process after it `take`s one), every
//! message it sends carries the tag one level deeper, so the consequences of the message
//! are marked transitively. The node records each delivery of a traced message as a hop.
//! Bounded: 16 levels, 1,000 hops per trace, the 256 most recent traces.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::Mutex;

use crate::message::{Message, TraceTag};
use crate::pid::Pid;

const MAX_DEPTH: u8 = 16;
const MAX_HOPS: usize = 1_000;
const MAX_TRACES: usize = 256;

/// One delivery of a traced message.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Hop {
    /// The sender (`Pid(0)` for a message from outside the node).
    pub from: Pid,
    /// The receiver.
    pub to: Pid,
    /// Microseconds since the trace started.
    pub at_us: u64,
    /// 0 for the injected message, 1 for what its handler sent, ...
    pub depth: u8,
    /// Size in bytes.
    pub size: usize,
    /// The first bytes, as text.
    pub preview: String,
    /// Whether the receiver was alive to get it.
    pub delivered: bool,
}

/// The recorded flow of one followed message.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Trace {
    /// Its id.
    pub id: u64,
    /// The hops, in delivery order.
    pub hops: Vec<Hop>,
    /// Whether hops were left out (past the bound).
    pub truncated: bool,
    #[serde(skip)]
    started: Option<Instant>,
}

/// The traces of a node.
#[derive(Default)]
pub(crate) struct Traces {
    next: AtomicU64,
    traces: Mutex<BTreeMap<u64, Trace>>,
}

impl Traces {
    /// Starts a trace; returns the tag of its first message.
    pub fn start(&self) -> TraceTag {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut traces = self.traces.lock();
        while traces.len() >= MAX_TRACES {
            traces.pop_first();
        }
        traces.insert(
            id,
            Trace {
                id,
                hops: Vec::new(),
                truncated: false,
                started: Some(Instant::now()),
            },
        );
        TraceTag { id, depth: 0 }
    }

    /// Records the delivery of a traced message.
    pub fn record(&self, to: Pid, msg: &Message, delivered: bool) {
        let Some(tag) = msg.trace else { return };
        let mut traces = self.traces.lock();
        let Some(trace) = traces.get_mut(&tag.id) else {
            return;
        };
        if trace.hops.len() >= MAX_HOPS {
            trace.truncated = true;
            return;
        }
        let at_us = trace.started.map_or(0, |s| s.elapsed().as_micros() as u64);
        let preview: String = String::from_utf8_lossy(&msg.data[..msg.data.len().min(200)])
            .chars()
            .take(120)
            .collect();
        trace.hops.push(Hop {
            from: msg.sender,
            to,
            at_us,
            depth: tag.depth,
            size: msg.data.len(),
            preview,
            delivered,
        });
    }

    /// A trace by id.
    pub fn get(&self, id: u64) -> Option<Trace> {
        self.traces.lock().get(&id).cloned()
    }
}

/// The tag for messages sent while handling a message tagged `tag` (`None` past the
/// depth bound).
pub fn child(tag: Option<TraceTag>) -> Option<TraceTag> {
    let tag = tag?;
    (tag.depth < MAX_DEPTH).then_some(TraceTag {
        id: tag.id,
        depth: tag.depth + 1,
    })
}
