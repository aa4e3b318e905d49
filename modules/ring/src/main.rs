//! A token ring.
//!
//! Origin role, args `{"n": N, "laps": L, "report_to": pid}`: builds a ring of N processes
//! (itself and N-1 `ring` processes in node role, spawned from the last back to the first
//! so each knows its next), sends a token round it until N*L hops are done, then prints and
//! reports `{"ring": N, "laps": L, "hops": H, "setup_ns": .., "run_ns": ..}` to `report_to`,
//! and sends a stop token round so the nodes exit normally.
//!
//! Node role, args `{"next": pid}`: forwards every token to `next`, adding one to its hop
//! counter; forwards the stop token and exits.
//!
//! The token is 8 bytes, the little-endian hop count; the stop token is the 4 bytes `stop`.

use std::time::Instant;

use hatchery_sdk::{ExitReason, Message, Pid, Timeout, exit, receive_match, self_pid, spawn};
use serde::Deserialize;
use serde_json::json;

const STOP: &[u8] = b"stop";

#[derive(Deserialize)]
struct Args {
    next: Option<Pid>,
    #[serde(default = "default_n")]
    n: u64,
    #[serde(default = "default_laps")]
    laps: u64,
    report_to: Option<Pid>,
}

fn default_n() -> u64 {
    100
}

fn default_laps() -> u64 {
    10
}

/// What arrived: a token with its hop count, or the stop token.
enum Token {
    Hops(u64),
    Stop,
}

fn main() {
    let args: Option<Args> = hatchery_sdk::args_json().unwrap_or_else(|err| {
        eprintln!("ring: bad arguments: {err}");
        exit(ExitReason::custom("badarg"))
    });
    let args = args.unwrap_or(Args {
        next: None,
        n: default_n(),
        laps: default_laps(),
        report_to: None,
    });
    match args.next {
        Some(next) => node(next),
        None => origin(args.n.max(1), args.laps, args.report_to),
    }
}

fn origin(n: u64, laps: u64, report_to: Option<Pid>) {
    let me = self_pid();
    let setup = Instant::now();
    let mut next = me;
    for _ in 1..n {
        next = spawn("ring", &json!({"next": next})).unwrap_or_else(|err| {
            eprintln!("ring: spawn failed: {err}");
            exit(ExitReason::custom(err.name()))
        });
    }
    let setup_ns = setup.elapsed().as_nanos() as u64;

    let total = n.saturating_mul(laps);
    let run = Instant::now();
    let mut hops = 0;
    if total > 0 {
        let _ = next.send_bytes(&1u64.to_le_bytes());
        loop {
            match receive_token(Timeout::Infinity) {
                Some(Token::Hops(h)) if h >= total => {
                    hops = h;
                    break;
                }
                Some(Token::Hops(h)) => {
                    let _ = next.send_bytes(&(h + 1).to_le_bytes());
                }
                Some(Token::Stop) | None => {}
            }
        }
    }
    let run_ns = run.elapsed().as_nanos() as u64;
    let report =
        json!({"ring": n, "laps": laps, "hops": hops, "setup_ns": setup_ns, "run_ns": run_ns});
    println!("ring: {report}");
    if let Some(to) = report_to {
        let _ = to.send(&report);
    }
    if next != me {
        let _ = next.send_bytes(STOP);
        // The stop token comes back once every node has passed it on.
        while let Some(Token::Hops(_)) = receive_token(Timeout::ms(5000)) {}
    }
}

fn node(next: Pid) {
    loop {
        // Forward from inside the match: no copy of the token, and each is matched once.
        let stop = receive_match(Timeout::Infinity, |msg| match msg {
            Message::User { data, .. } if data.as_slice() == STOP => {
                let _ = next.send_bytes(STOP);
                Some(true)
            }
            Message::User { data, .. } => {
                let hops = u64::from_le_bytes(data.as_slice().try_into().ok()?);
                let _ = next.send_bytes(&(hops + 1).to_le_bytes());
                Some(false)
            }
            _ => None,
        });
        if stop != Some(false) {
            return;
        }
    }
}

fn receive_token(timeout: Timeout) -> Option<Token> {
    receive_match(timeout, |msg| match msg {
        Message::User { data, .. } if data.as_slice() == STOP => Some(Token::Stop),
        Message::User { data, .. } => Some(Token::Hops(u64::from_le_bytes(
            data.as_slice().try_into().ok()?,
        ))),
        _ => None,
    })
}
