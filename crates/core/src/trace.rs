//! Following a message: the flow an injected message sets off.
//!
//! A message injected with `follow` gets a [`TraceTag`]. While a process handles a traced
//! message (a behaviour's callback, or a main-style process after it `take`s one), every
//! message it sends carries the tag one level deeper, so the consequences of the message
//! are marked transitively. The node records each delivery of a traced message as a hop.
//! Bounded: 16 levels, 1,000 hops per trace, the 256 most recent traces.
//!
//! Each hop is also a span, for a [`SpanSink`] (the OTLP exporter of `hatchery-http`): its
//! id is its place in the trace (above the node's slot, in a cluster, so that the nodes'
//! span ids differ), its parent the hop that brought the sender the message it was
//! handling.
//!
//! A followed message to another node's process takes its place in the trace along
//! ([`Carried`]): the trace's OpenTelemetry id, its depth, and the span of the hop its
//! sender was handling. The receiving node records the rest of the flow under a trace of
//! its own with the same OpenTelemetry id, so a collector that both nodes export to shows
//! one trace across them; the sending node records the hop as sent to that node (shown in
//! its inspector, not exported: the receiver exports it).

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
    /// The receiver's node, when it is another one: the message went there, and that node
    /// records (and exports) its delivery.
    pub node: Option<String>,
}

/// A hop [`Traces::begin`] recorded, waiting for [`Traces::finish`].
#[derive(Clone, Copy, Debug)]
pub struct Recorded {
    trace: u64,
    span: u64,
}

/// A followed message's place in its trace, as it crosses to another node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Carried {
    /// The trace's OpenTelemetry id.
    pub trace: TraceId,
    /// The message's depth.
    pub depth: u8,
    /// The span, on the sending node, of the hop its sender was handling.
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
    /// The OpenTelemetry id of a trace another node started (its flow reached this one).
    #[serde(skip)]
    foreign: Option<TraceId>,
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
    /// Added to each hop's place to make its span id: the node's slot above bit 32 in a
    /// cluster (0 alone).
    span_base: u64,
    sink: std::sync::OnceLock<Arc<dyn SpanSink>>,
}

impl Traces {
    /// The traces of a node alone, or of the node in `slot` of a cluster.
    pub fn new(slot: Option<u16>) -> Traces {
        Traces {
            next: AtomicU64::new(0),
            traces: Mutex::default(),
            epoch: unix_ns(SystemTime::now()),
            span_base: slot.map_or(0, |s| (u64::from(s) + 1) << 32),
            sink: std::sync::OnceLock::new(),
        }
    }

    /// Starts a trace; returns the tag of its first message.
    pub fn start(&self) -> TraceTag {
        let id = self.insert(&mut self.traces.lock(), None);
        TraceTag {
            id,
            depth: 0,
            parent: None,
        }
    }

    /// A new trace (of another node's flow, with its id, when `foreign`), the oldest
    /// dropped past the bound.
    fn insert(&self, traces: &mut BTreeMap<u64, Trace>, foreign: Option<TraceId>) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        while traces.len() >= MAX_TRACES {
            traces.pop_first();
        }
        let trace = Trace {
            id,
            hops: Vec::new(),
            truncated: false,
            started: Some(Instant::now()),
            started_unix_ns: unix_ns(SystemTime::now()),
            foreign,
        };
        traces.insert(id, trace);
        id
    }

    /// The tag for a followed message that came from another node: its trace here (one
    /// this node started, or the one this node keeps for that node's flow, made on the
    /// first such message). `None` when it is a trace of this node no longer kept.
    pub fn adopt(&self, c: Carried) -> Option<TraceTag> {
        let depth = c.depth.min(MAX_DEPTH);
        let tag = |id| TraceTag {
            id,
            depth,
            parent: c.parent,
        };
        let mut traces = self.traces.lock();
        if c.trace.0[..8] == self.epoch.to_be_bytes() {
            let mut n = [0u8; 8];
            n.copy_from_slice(&c.trace.0[8..]);
            let id = u64::from_be_bytes(n);
            return traces.contains_key(&id).then(|| tag(id));
        }
        let known = traces
            .values()
            .find(|t| t.foreign == Some(c.trace))
            .map(|t| t.id);
        Some(tag(
            known.unwrap_or_else(|| self.insert(&mut traces, Some(c.trace)))
        ))
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
        if msg.trace.is_some() {
            let module = target.map(|p| (p.module().to_string(), p.version()));
            self.push(to, msg, delivered, module, None, true);
        }
    }

    /// Records the delivery of a traced message to `target` before it is put in the
    /// mailbox, so that whatever the receiver does with it finds its cause recorded;
    /// [`Traces::finish`] then says whether it got there. `None` for an untraced message.
    pub fn begin(&self, target: &Process, msg: &Message) -> Option<Recorded> {
        msg.trace?;
        let module = Some((target.module().to_string(), target.version()));
        let (_, _, span) = self.push(target.pid(), msg, true, module, None, false)?;
        Some(Recorded {
            trace: msg.trace?.id,
            span: span?,
        })
    }

    /// Whether the delivery [`Traces::begin`] recorded reached the mailbox; the hop is
    /// then exported.
    pub fn finish(&self, r: Recorded, delivered: bool) {
        self.settle(r, delivered, true);
    }

    /// Records a traced message sent to `to` on the node called `node`, and returns its
    /// place in the trace for that node, with the hop to mark [`Traces::lost`] if it
    /// cannot be sent (`None` for an untraced message, or one whose trace is no longer
    /// kept).
    pub fn carry(&self, to: Pid, node: &str, msg: &Message) -> Option<(Carried, Recorded)> {
        let tag = msg.trace?;
        let (trace, parent, span) = self.push(to, msg, true, None, Some(node), false)?;
        let carried = Carried {
            trace,
            depth: tag.depth,
            parent,
        };
        Some((
            carried,
            Recorded {
                trace: tag.id,
                span: span?,
            },
        ))
    }

    /// The place in its trace of a traced message sent to a name on another node (no hop
    /// is recorded here: the receiver is not known until that node looks the name up).
    pub fn carried(&self, msg: &Message) -> Option<Carried> {
        let tag = msg.trace?;
        let traces = self.traces.lock();
        let trace = traces.get(&tag.id)?;
        Some(Carried {
            trace: trace.foreign.unwrap_or_else(|| self.otel_id(tag.id)),
            depth: tag.depth,
            parent: parent_of(trace, tag, msg.sender),
        })
    }

    /// A hop [`Traces::carry`] recorded did not leave the node (no connection).
    pub fn lost(&self, r: Recorded) {
        self.settle(r, false, false);
    }

    /// Says whether a recorded hop got where it went, and exports it when `export`.
    fn settle(&self, r: Recorded, delivered: bool, export: bool) {
        let mut traces = self.traces.lock();
        let Some(trace) = traces.get_mut(&r.trace) else {
            return;
        };
        let otel = trace.foreign.unwrap_or_else(|| self.otel_id(r.trace));
        let started = trace.started_unix_ns;
        let Some(hop) = trace.hops.iter_mut().rev().find(|h| h.span == r.span) else {
            return;
        };
        hop.delivered = delivered;
        if export && let Some(sink) = self.sink.get() {
            sink.hop(otel, started, hop);
        }
    }

    /// Records a hop of a traced message (exported at once when `export`); returns its
    /// trace's OpenTelemetry id, the hop's parent span and its own (`None` past the bound).
    fn push(
        &self,
        to: Pid,
        msg: &Message,
        delivered: bool,
        module: Option<(String, u32)>,
        node: Option<&str>,
        export: bool,
    ) -> Option<(TraceId, Option<u64>, Option<u64>)> {
        let tag = msg.trace?;
        let mut traces = self.traces.lock();
        let trace = traces.get_mut(&tag.id)?;
        let otel = trace.foreign.unwrap_or_else(|| self.otel_id(tag.id));
        let parent = parent_of(trace, tag, msg.sender);
        if trace.hops.len() >= MAX_HOPS {
            trace.truncated = true;
            return Some((otel, parent, None));
        }
        let at_us = trace.started.map_or(0, |s| s.elapsed().as_micros() as u64);
        let preview: String = String::from_utf8_lossy(&msg.data[..msg.data.len().min(200)])
            .chars()
            .take(120)
            .collect();
        let hop = Hop {
            from: msg.sender,
            to,
            at_us,
            depth: tag.depth,
            size: msg.data.len(),
            preview,
            delivered,
            version: module.as_ref().map_or(0, |m| m.1),
            module: module.map(|m| m.0),
            span: self.span_base + trace.hops.len() as u64 + 1,
            parent,
            node: node.map(str::to_string),
        };
        // A hop to another node is that node's to export.
        if let Some(sink) = self.sink.get()
            && export
        {
            sink.hop(otel, trace.started_unix_ns, &hop);
        }
        let span = hop.span;
        trace.hops.push(hop);
        Some((otel, parent, Some(span)))
    }

    /// A trace by id.
    pub fn get(&self, id: u64) -> Option<Trace> {
        self.traces.lock().get(&id).cloned()
    }
}

/// The span of what `sender` was handling when it sent a message tagged `tag`: the last
/// message one level up that reached it (or, for a message from another node, the hop
/// there that the tag names).
fn parent_of(trace: &Trace, tag: TraceTag, sender: Pid) -> Option<u64> {
    tag.parent.or_else(|| {
        let up = tag.depth.checked_sub(1)?;
        trace
            .hops
            .iter()
            .rev()
            .find(|h| h.to == sender && h.depth == up && h.node.is_none())
            .map(|h| h.span)
    })
}

/// The tag for messages sent while handling a message tagged `tag` (`None` past the
/// depth bound).
pub fn child(tag: Option<TraceTag>) -> Option<TraceTag> {
    let tag = tag?;
    (tag.depth < MAX_DEPTH).then_some(TraceTag {
        id: tag.id,
        depth: tag.depth + 1,
        parent: None,
    })
}
