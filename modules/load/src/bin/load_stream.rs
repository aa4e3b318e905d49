//! One-way streams: senders send small messages to one receiver, which counts them.
//!
//! Receiver role, args `{"senders": S, "messages": K, "report_to": pid}`: spawns S
//! `load_stream` processes in sender role and waits until each has said `ready`; then sends
//! each `go`, counts the S × K messages and reports `{"messages": S*K, "ns": ..}`, timed from
//! the first `go` to the last message counted.
//!
//! Sender role, args `{"to": pid, "messages": K}`: sends `ready` to `to`, waits for `go`,
//! sends K 8-byte messages (a countdown, little-endian) and ends.

use std::time::Instant;

use hatchery_sdk::{Message, Pid, Timeout, receive_match, self_pid, spawn};
use load::{args, fail, report};
use serde::Deserialize;
use serde_json::json;

const GUEST: &str = "load_stream";

#[derive(Deserialize)]
struct Args {
    to: Option<Pid>,
    #[serde(default = "one")]
    senders: u64,
    messages: u64,
    report_to: Option<Pid>,
}

fn one() -> u64 {
    1
}

fn main() {
    let a: Args = args(GUEST);
    match a.to {
        Some(to) => sender(to, a.messages),
        None => receiver(a.senders, a.messages, a.report_to),
    }
}

fn receiver(senders: u64, each: u64, report_to: Option<Pid>) {
    let me = self_pid();
    let pids: Vec<Pid> = (0..senders)
        .map(|_| {
            spawn(GUEST, &json!({"to": me, "messages": each}))
                .unwrap_or_else(|err| fail(GUEST, "spawning a sender", err))
        })
        .collect();
    for _ in 0..senders {
        receive_match(Timeout::Infinity, |m| match m {
            Message::User { data, .. } if data == b"ready" => Some(()),
            _ => None,
        });
    }
    let total = senders * each;
    let start = Instant::now();
    for pid in &pids {
        let _ = pid.send_bytes(b"go");
    }
    for _ in 0..total {
        receive_match(Timeout::Infinity, |m| match m {
            Message::User { data, .. } if data.len() == 8 => Some(()),
            _ => None,
        });
    }
    let ns = start.elapsed().as_nanos() as u64;
    report(GUEST, report_to, &json!({"messages": total, "ns": ns}));
}

fn sender(to: Pid, messages: u64) {
    let _ = to.send_bytes(b"ready");
    receive_match(Timeout::Infinity, |m| match m {
        Message::User { data, .. } if data == b"go" => Some(()),
        _ => None,
    });
    for left in (0..messages).rev() {
        if let Err(err) = to.send_bytes(&left.to_le_bytes()) {
            fail(GUEST, "send", err);
        }
    }
}
