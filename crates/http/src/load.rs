//! The node's load over time: one sample of its figures (the `stats` event, a point of its
//! history), and the last hour of them kept on the node (`GET /api/history`), so a chart
//! opened now shows the past.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use axum::Json;
use axum::extract::State;
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::Ctx;
use crate::node::Node;

/// How often the history takes a point.
pub(crate) const INTERVAL: Duration = Duration::from_secs(5);

/// How far back the history reaches.
const WINDOW: Duration = Duration::from_secs(3600);

/// The points the history holds: one hour at [`INTERVAL`] (a few hundred bytes each).
const POINTS: usize = (WINDOW.as_secs() / INTERVAL.as_secs()) as usize;

/// Takes samples: the figures now, and the rates since its last sample.
pub(crate) struct Sampler {
    sent: u64,
    busy: Vec<Duration>,
    at: Instant,
}

impl Sampler {
    pub(crate) fn new(node: &Node) -> Sampler {
        Sampler {
            sent: node.stats().sent.load(Ordering::Relaxed),
            busy: node.worker_busy(),
            at: Instant::now(),
        }
    }

    /// The node's figures now; rates are over the time since the last sample.
    pub(crate) fn sample(&mut self, node: &Node) -> Value {
        let s = node.stats();
        let now = Instant::now();
        let secs = now.duration_since(self.at).as_secs_f64().max(0.001);
        let sent = s.sent.load(Ordering::Relaxed);
        let busy = node.worker_busy();
        let cpu: Vec<f64> = busy
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let before = self.busy.get(i).copied().unwrap_or_default();
                let share = b.saturating_sub(before).as_secs_f64() / secs;
                (share.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
            })
            .collect();
        let rate = sent.saturating_sub(self.sent) as f64 / secs;
        *self = Sampler {
            sent,
            busy,
            at: now,
        };
        json!({
            "at_ms": crate::runtime::code::now_ms(SystemTime::now()),
            "processes": node.process_count(),
            "messages_per_sec": rate.round(),
            "memory_rss_bytes": crate::sys::resident_bytes().unwrap_or(0),
            "guest_memory_bytes": node.guest_memory(),
            "mailbox_messages": node.mailbox_messages(),
            "spawned": s.spawned.load(Ordering::Relaxed),
            "exited": s.exited.load(Ordering::Relaxed),
            "restarts": s.restarts.load(Ordering::Relaxed),
            "swaps": s.swaps.load(Ordering::Relaxed),
            "cpu_per_worker": cpu,
        })
    }
}

/// The last hour of samples, oldest first.
#[derive(Default)]
pub(crate) struct History(Mutex<VecDeque<Value>>);

impl History {
    fn push(&self, point: Value) {
        let mut points = self.0.lock();
        if points.len() == POINTS {
            points.pop_front();
        }
        points.push_back(point);
    }

    /// Takes a point every [`INTERVAL`] until `stopping`.
    pub(crate) async fn keep(
        self: Arc<Self>,
        node: Node,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut sampler = Sampler::new(&node);
        let mut tick = tokio::time::interval(INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = stopping.wait_for(|s| *s) => return,
                _ = tick.tick() => self.push(sampler.sample(&node)),
            }
        }
    }
}

/// `GET /api/history`.
pub(super) async fn history(State(ctx): State<Ctx>) -> Json<Value> {
    let points: Vec<Value> = ctx.history.0.lock().iter().cloned().collect();
    Json(json!({
        "interval_ms": INTERVAL.as_millis() as u64,
        "window_ms": WINDOW.as_millis() as u64,
        "points": points,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_keeps_the_last_hour_only() {
        let h = History::default();
        for i in 0..POINTS + 10 {
            h.push(json!({ "i": i }));
        }
        let points = h.0.lock();
        assert_eq!(points.len(), POINTS);
        assert_eq!(points[0]["i"], 10, "the oldest points went first");
    }
}
