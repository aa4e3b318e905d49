//! Following a message: the flow an injected message sets off.
//!
//! A message injected with `follow` gets a [`TraceTag`]. While a process handles a traced
//! message (a behaviour's callback, or a main-style process after it `take`s one), every
//! message it sends carries the tag one level deeper, so the consequences of the message
//! are marked transitively. The node records each delivery of a traced message as a hop.
//! Bounded: 16 levels, 1,000 hops per trace, the 256 most recent traces.
//!
//! Each hop is also a span, for a [`SpanSink`] (the OTLP exporter of `hatchery-http`): its
//! id is its place in the trace, its parent the hop that brought the sender the message it
//! was handling.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

use parking_lot::Mutex;

use crate::message::{Message, TraceTag};
use crate::pid::Pid;
use crate::process::Process;

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
    /// The receiver's module and version (`None` when it was not alive).
    pub module: Option<String>,
    /// The version of `module` the receiver ran.
    pub version: u32,
    /// Its span id: its place in the trace, from 1.
    pub span: u64,
    /// The span of the hop that brought the sender the message it was handling (`None`
    /// for the injected message).
    pub parent: Option<u64>,
}

/// Where the spans of followed messages go as they happen (an exporter). Called with the
/// node's traces locked: it must not block.
pub trait SpanSink: Send + Sync + 'static {
    /// A hop of trace `trace`, which started at `started` (Unix time, nanoseconds).
    fn hop(&self, trace: TraceId, started: u64, hop: &Hop);
}

/// A trace's id as OpenTelemetry has it: 16 bytes, unique to the node's run (the node's
/// start time, then the trace's number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceId(pub [u8; 16]);

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
    /// When it started, Unix time in nanoseconds.
    #[serde(skip)]
    started_unix_ns: u64,
}

fn unix_ns(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// The traces of a node.
pub(crate) struct Traces {
    next: AtomicU64,
    traces: Mutex<BTreeMap<u64, Trace>>,
    /// The node's start (Unix nanoseconds): the first half of its trace ids.
    epoch: u64,
    sink: std::sync::OnceLock<Arc<dyn SpanSink>>,
}

impl Default for Traces {
    fn default() -> Self {
        Traces {
            next: AtomicU64::new(0),
            traces: Mutex::default(),
            epoch: unix_ns(SystemTime::now()),
            sink: std::sync::OnceLock::new(),
        }
    }
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
                started_unix_ns: unix_ns(SystemTime::now()),
            },
        );
        TraceTag { id, depth: 0 }
    }

    /// Sends every hop from now on to `sink` too; false when a sink is set already.
    pub fn set_sink(&self, sink: Arc<dyn SpanSink>) -> bool {
        self.sink.set(sink).is_ok()
    }

    /// The OpenTelemetry id of trace `id`.
    pub fn otel_id(&self, id: u64) -> TraceId {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.epoch.to_be_bytes());
        b[8..].copy_from_slice(&id.to_be_bytes());
        TraceId(b)
    }

    /// Records the delivery of a traced message to `to` (`target`, when it is alive).
    pub fn record(&self, to: Pid, target: Option<&Process>, msg: &Message, delivered: bool) {
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
        // What the sender was handling: the last message one level up that reached it.
        let parent = tag.depth.checked_sub(1).and_then(|up| {
            trace
                .hops
                .iter()
                .rev()
                .find(|h| h.to == msg.sender && h.depth == up)
                .map(|h| h.span)
        });
        let hop = Hop {
            from: msg.sender,
            to,
            at_us,
            depth: tag.depth,
            size: msg.data.len(),
            preview,
            delivered,
            module: target.map(|p| p.module().to_string()),
            version: target.map_or(0, Process::version),
            span: trace.hops.len() as u64 + 1,
            parent,
        };
        if let Some(sink) = self.sink.get() {
            sink.hop(self.otel_id(tag.id), trace.started_unix_ns, &hop);
        }
        trace.hops.push(hop);
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
