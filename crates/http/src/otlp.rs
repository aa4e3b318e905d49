//! Exports followed messages as OpenTelemetry traces over OTLP/HTTP, JSON encoding.
//!
//! A message injected with `follow` is a trace; each delivery it sets off is a span (a
//! consumer span named `<module> receive`, with the receiver's pid, module and version,
//! the sender, the depth and the size), whose parent is the delivery that brought the
//! sender the message it was handling. Spans leave the node in batches from a thread of
//! their own: recording one never waits on the network, and when the collector is slow or
//! away the queue's overflow is dropped and counted, never the node's work.
//!
//! Written against the OTLP specification rather than with the `opentelemetry` crates:
//! the spans exist already (the node records them for the inspector), so the SDK's span
//! machinery would be a second recorder, and its OTLP exporter would bring a second HTTP
//! client and protobuf code into the build. The JSON encoding is OTLP's own (protobuf's
//! JSON mapping, ids in hex), which every collector accepts at `/v1/traces`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{Value, json};

use crate::node::Node;
use crate::pid::Pid;
use hatchery_core::trace::{Hop, SpanSink, TraceId};

/// Spans waiting for the exporter thread; more are dropped.
const QUEUE: usize = 8192;

/// The most spans in one request.
const BATCH: usize = 512;

/// How long the thread gathers spans after the first of a batch (one message's flow
/// usually goes out in one request).
const LINGER: Duration = Duration::from_millis(200);

/// How long a request to the collector may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// What the exporter did, for the node's metrics and the operator.
#[derive(Default, Debug)]
pub struct OtlpStats {
    /// Spans the collector accepted.
    pub exported: AtomicU64,
    /// Spans lost: the queue was full, or the collector refused or could not be reached.
    pub dropped: AtomicU64,
}

struct Span {
    trace: TraceId,
    started: u64,
    hop: Hop,
}

/// The node's side: queues each hop for the thread.
struct Sink {
    tx: SyncSender<Span>,
    stats: Arc<OtlpStats>,
}

impl SpanSink for Sink {
    fn hop(&self, trace: TraceId, started: u64, hop: &Hop) {
        let span = Span {
            trace,
            started,
            hop: hop.clone(),
        };
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = self.tx.try_send(span) {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Where the spans go: `endpoint` is the collector's base URL (`http://host:4318`, as
/// `OTEL_EXPORTER_OTLP_ENDPOINT`) or the full traces URL (ending in `/v1/traces`, as
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
///
/// # Errors
///
/// A URL that is not `http://host[:port][/path]`.
pub fn traces_url(endpoint: &str) -> anyhow::Result<String> {
    let e = endpoint.trim();
    if e.starts_with("https://") {
        bail!(
            "the OTLP endpoint {e:?} is https, which this build does not speak: point it at a \
             collector on plain http (an OpenTelemetry Collector beside the node, port 4318)"
        );
    }
    let Some(rest) = e.strip_prefix("http://") else {
        bail!("the OTLP endpoint {e:?} is not an http:// URL (for example http://127.0.0.1:4318)");
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '@') {
        bail!("the OTLP endpoint {e:?} names no host (for example http://127.0.0.1:4318)");
    }
    let base = e.trim_end_matches('/');
    Ok(if base.ends_with("/v1/traces") {
        base.to_string()
    } else {
        format!("{base}/v1/traces")
    })
}

/// Sends `node`'s followed messages to the collector at `endpoint` (see [`traces_url`]).
///
/// # Errors
///
/// A bad URL, a node that exports somewhere already, or a thread that cannot start.
pub fn export(node: &Node, endpoint: &str) -> anyhow::Result<Arc<OtlpStats>> {
    let url = traces_url(endpoint)?;
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
    let stats = Arc::new(OtlpStats::default());
    let resource = resource(node.name());
    let thread_stats = stats.clone();
    std::thread::Builder::new()
        .name("hatchery-otlp".into())
        .spawn(move || run(&url, &resource, &rx, &thread_stats))?;
    if !node.set_span_sink(Arc::new(Sink {
        tx,
        stats: stats.clone(),
    })) {
        bail!("the node exports its traces somewhere already");
    }
    Ok(stats)
}

/// The resource every span comes from: Hatchery, this node.
fn resource(node: &str) -> Value {
    json!({ "attributes": [
        attr("service.name", json!({"stringValue": "hatchery"})),
        attr("service.instance.id", json!({"stringValue": node})),
    ]})
}

fn attr(key: &str, value: Value) -> Value {
    json!({"key": key, "value": value})
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One span in OTLP's JSON encoding.
fn span_json(s: &Span) -> Value {
    let h = &s.hop;
    let at = s.started.saturating_add(h.at_us.saturating_mul(1000));
    let show = |p: Pid| {
        if p == Pid(0) {
            "http".to_string()
        } else {
            p.to_string()
        }
    };
    let module = h.module.as_deref().unwrap_or("(no process)");
    let int = |n: u64| json!({"intValue": n.to_string()});
    let mut attributes = vec![
        attr("hatchery.pid", json!({"stringValue": show(h.to)})),
        attr("hatchery.module", json!({"stringValue": module})),
        attr("hatchery.version", int(u64::from(h.version))),
        attr("hatchery.from", json!({"stringValue": show(h.from)})),
        attr("hatchery.depth", int(u64::from(h.depth))),
        attr("hatchery.delivered", json!({"boolValue": h.delivered})),
        attr("messaging.message.body.size", int(h.size as u64)),
    ];
    if !h.preview.is_empty() {
        attributes.push(attr("hatchery.preview", json!({"stringValue": h.preview})));
    }
    let mut span = json!({
        "traceId": hex(&s.trace.0),
        "spanId": hex(&h.span.to_be_bytes()),
        "name": format!("{module} receive"),
        // SPAN_KIND_CONSUMER: the receiver's side of a message.
        "kind": 5,
        "startTimeUnixNano": at.to_string(),
        "endTimeUnixNano": at.to_string(),
        "attributes": attributes,
    });
    if let Some(p) = h.parent {
        span["parentSpanId"] = json!(hex(&p.to_be_bytes()));
    }
    if !h.delivered {
        // STATUS_CODE_ERROR.
        span["status"] = json!({"code": 2, "message": "the receiver was not alive"});
    }
    span
}

/// The request body for a batch of spans.
fn request(resource: &Value, spans: &[Span]) -> String {
    json!({"resourceSpans": [{
        "resource": resource,
        "scopeSpans": [{
            "scope": {"name": "hatchery", "version": env!("CARGO_PKG_VERSION")},
            "spans": spans.iter().map(span_json).collect::<Vec<_>>(),
        }],
    }]})
    .to_string()
}

/// The exporter thread: batches, posts, counts; warns at most once a minute.
fn run(url: &str, resource: &Value, rx: &Receiver<Span>, stats: &OtlpStats) {
    let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).build();
    let mut warned: Option<Instant> = None;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        let until = Instant::now() + LINGER;
        while batch.len() < BATCH {
            match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(s) => batch.push(s),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        let sent = agent
            .post(url)
            .set("Content-Type", "application/json")
            .send_string(&request(resource, &batch));
        let n = batch.len() as u64;
        match sent {
            Ok(_) => {
                stats.exported.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                stats.dropped.fetch_add(n, Ordering::Relaxed);
                if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                    warned = Some(Instant::now());
                    eprintln!(
                        "hatchery: warning: exporting {n} spans to {url} failed ({e}); \
                         {} lost so far",
                        stats.dropped.load(Ordering::Relaxed)
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked_and_completed() {
        assert_eq!(
            traces_url("http://127.0.0.1:4318").unwrap(),
            "http://127.0.0.1:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://c:4318/v1/traces/").unwrap(),
            "http://c:4318/v1/traces"
        );
        for bad in ["https://c:4318", "c:4318", "http://", "http:// x", ""] {
            assert!(traces_url(bad).is_err(), "{bad:?}");
        }
    }
}
