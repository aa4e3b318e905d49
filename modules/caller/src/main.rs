//! Benchmarks gen_server-style calls between two guests: starts an anonymous `kv` server,
//! makes `n` calls to it, and reports the time.
//!
//! Args `{"n": 10000, "report_to": pid}`; reports `{"calls": n, "ns": total}`.

use std::time::Instant;

use hatchery_sdk::server::call;
use hatchery_sdk::{ExitReason, Pid, Timeout, args_json, exit, kill, spawn};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Args {
    n: u64,
    report_to: Option<Pid>,
}

fn main() {
    let Ok(args) = args_json::<Args>() else {
        exit(ExitReason::Custom(b"caller: expected {\"n\": N}".to_vec()));
    };
    let Ok(server) = spawn("kv", &json!({"register": false})) else {
        exit(ExitReason::Custom(b"caller: cannot spawn kv".to_vec()));
    };
    let start = Instant::now();
    for _ in 0..args.n {
        if call::<Value, Value>(server, &json!("infos"), Timeout::ms(60_000)).is_err() {
            exit(ExitReason::Custom(b"caller: a call failed".to_vec()));
        }
    }
    let ns = start.elapsed().as_nanos() as u64;
    println!(
        "caller: {} calls in {} us ({} ns per call)",
        args.n,
        ns / 1000,
        ns / args.n.max(1)
    );
    if let Some(to) = args.report_to {
        let _ = to.send(&json!({"calls": args.n, "ns": ns}));
    }
    let _ = kill(server);
}
