//! Ping-pong: round trips of raw-byte messages between two processes.
//!
//! Ping role (default), args `{"rounds": N, "size": 64, "report_to": pid}` (all optional;
//! `rounds` defaults to 1000): spawns a linked `pingpong` in pong role, sends it a
//! `size`-byte message N times, waiting for the echo each time, prints
//! `pingpong: N round trips of B bytes in X us (Y ns per round trip)`, sends
//! `{"done": N, "ns": total_ns}` to `report_to`, stops the pong and exits normally.
//!
//! Pong role, args `{"pong": true}`: echoes every user message to its sender until it gets
//! the JSON string `"stop"`.
//!
//! With `"node": "<name>"` the pong is spawned on that node of the cluster (`spawn_at`), for
//! the remote round trip.
//!
//! With `"partner": "<module>"` the ping spawns that module (empty arguments) as its pong
//! instead, and stops it with the raw bytes `stop`: the benchmark pongs of every guest
//! language (`bench_<lang>_pong`) work that way.

use std::time::Instant;

use hatchery_sdk::{ExitReason, Message, Pid, Timeout, exit, receive_match, spawn_link};
use serde::Deserialize;
use serde_json::json;

fn default_rounds() -> u64 {
    1000
}

fn default_size() -> usize {
    64
}

#[derive(Deserialize)]
struct Args {
    #[serde(default)]
    pong: bool,
    #[serde(default = "default_rounds")]
    rounds: u64,
    #[serde(default = "default_size")]
    size: usize,
    report_to: Option<Pid>,
    partner: Option<String>,
    node: Option<String>,
}

/// The stop message: the JSON string `"stop"`.
const STOP: &[u8] = br#""stop""#;

fn main() {
    let args: Option<Args> = hatchery_sdk::args_json().unwrap_or_else(|err| {
        eprintln!("pingpong: bad arguments: {err}");
        exit(ExitReason::custom("badarg"))
    });
    match args {
        Some(Args { pong: true, .. }) => pong(),
        Some(args) => ping(&args),
        None => ping(&Args {
            pong: false,
            rounds: default_rounds(),
            size: default_size(),
            report_to: None,
            partner: None,
            node: None,
        }),
    }
}

fn ping(args: &Args) {
    let (rounds, size, report_to) = (args.rounds, args.size, args.report_to);
    let partner = args.partner.as_deref();
    let link = hatchery_sdk::SpawnOpts {
        link: true,
        monitor: false,
    };
    let spawned = match (partner, &args.node) {
        (Some(module), _) => hatchery_sdk::spawn_bytes(module, &[], link).map(|(pid, _)| pid),
        (None, Some(node)) => {
            let pong = json!({"pong": true}).to_string();
            hatchery_sdk::spawn_at_bytes(node, "pingpong", pong.as_bytes(), link).map(|(p, _)| p)
        }
        (None, None) => spawn_link("pingpong", &json!({"pong": true})),
    };
    let pong = spawned.unwrap_or_else(|err| {
        eprintln!("pingpong: cannot spawn the pong: {err}");
        exit(ExitReason::custom(err.name()))
    });
    let payload = vec![0xa5u8; size];
    let start = Instant::now();
    for _ in 0..rounds {
        if let Err(err) = pong.send_bytes(&payload) {
            eprintln!("pingpong: send failed: {err}");
            exit(ExitReason::custom(err.name()));
        }
        receive_match(Timeout::Infinity, |msg| match msg {
            Message::User { from, .. } if *from == pong => Some(()),
            _ => None,
        });
    }
    let ns = start.elapsed().as_nanos();
    let per_trip = ns.checked_div(u128::from(rounds)).unwrap_or(0);
    println!(
        "pingpong: {rounds} round trips of {size} bytes in {} us ({per_trip} ns per round trip)",
        ns / 1000
    );
    if let Some(to) = report_to {
        let _ = to.send(&json!({"done": rounds, "ns": ns as u64}));
    }
    let _ = pong.send_bytes(if partner.is_some() { b"stop" } else { STOP });
}

fn pong() {
    loop {
        // Echo from inside the match so the payload is never copied; the closure returns
        // `Some` for every user message, so each is echoed exactly once.
        let stop = receive_match(Timeout::Infinity, |msg| match msg {
            Message::User { data, .. } if data.as_slice() == STOP => Some(true),
            Message::User { from, data } => {
                let _ = from.send_bytes(data);
                Some(false)
            }
            _ => None,
        });
        if stop == Some(true) {
            return;
        }
    }
}
