//! Round-trip latency of a ping-pong, optionally while other processes spin on the CPU.
//!
//! Ping role, args `{"rounds": N, "spinners": S, "spinner": "load_spinner", "report_to":
//! pid}`: spawns S linked `spinner` processes (endless loops that say `spinning` to their
//! parent first) and waits until all spin; spawns a linked pong, makes 1,000 round trips to
//! warm up, then N timed ones of 64 bytes each; stops the spinners and the pong and reports
//! `{"rounds": N, "p50_ns": .., "p99_ns": .., "p999_ns": .., "max_ns": ..}` (nearest rank).
//!
//! Pong role, args `{"pong": true}`: echoes every user message until it gets `stop`.

use std::time::Instant;

use hatchery_sdk::{
    Message, Pid, SpawnOpts, Timeout, kill, receive_match, spawn_bytes, spawn_link, unlink,
};
use load::{args, fail, report};
use serde::Deserialize;
use serde_json::json;

const GUEST: &str = "load_latency";
const WARM_UP: u64 = 1000;

#[derive(Deserialize)]
struct Args {
    #[serde(default)]
    pong: bool,
    #[serde(default)]
    rounds: u64,
    #[serde(default)]
    spinners: u64,
    #[serde(default = "default_spinner")]
    spinner: String,
    report_to: Option<Pid>,
}

fn default_spinner() -> String {
    "load_spinner".to_owned()
}

fn main() {
    let a: Args = args(GUEST);
    if a.pong {
        return pong();
    }
    let link = SpawnOpts {
        link: true,
        monitor: false,
    };
    let spinners: Vec<Pid> = (0..a.spinners)
        .map(|_| match spawn_bytes(&a.spinner, &[], link) {
            Ok((pid, _)) => pid,
            Err(err) => fail(GUEST, "spawning a spinner", err),
        })
        .collect();
    for _ in &spinners {
        receive_match(Timeout::Infinity, |m| match m {
            Message::User { data, .. } if data == b"spinning" => Some(()),
            _ => None,
        });
    }
    let pong = spawn_link(GUEST, &json!({"pong": true}))
        .unwrap_or_else(|err| fail(GUEST, "spawning the pong", err));
    let payload = [0xa5u8; 64];
    round_trips(pong, &payload, WARM_UP);
    let mut times = round_trips(pong, &payload, a.rounds);
    for pid in spinners {
        unlink(pid);
        let _ = kill(pid);
    }
    let _ = pong.send_bytes(b"stop");
    times.sort_unstable();
    let rank = |per_mille: usize| {
        let n = times.len();
        times
            .get((n * per_mille / 1000).min(n.saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let r = json!({
        "rounds": a.rounds,
        "spinners": a.spinners,
        "p50_ns": rank(500),
        "p99_ns": rank(990),
        "p999_ns": rank(999),
        "max_ns": times.last().copied().unwrap_or(0),
    });
    report(GUEST, a.report_to, &r);
}

/// `n` round trips to `pong`; the time of each, in nanoseconds.
fn round_trips(pong: Pid, payload: &[u8], n: u64) -> Vec<u64> {
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let start = Instant::now();
        if let Err(err) = pong.send_bytes(payload) {
            fail(GUEST, "send", err);
        }
        receive_match(Timeout::Infinity, |m| match m {
            Message::User { from, .. } if *from == pong => Some(()),
            _ => None,
        });
        times.push(start.elapsed().as_nanos() as u64);
    }
    times
}

fn pong() {
    loop {
        let stop = receive_match(Timeout::Infinity, |m| match m {
            Message::User { data, .. } if data == b"stop" => Some(true),
            Message::User { from, data } => {
                let _ = from.send_bytes(data);
                Some(false)
            }
            _ => None,
        });
        if stop != Some(false) {
            return;
        }
    }
}
