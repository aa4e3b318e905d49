//! Spawn throughput: spawns N monitored children and waits for all of them to end.
//!
//! Args `{"n": N, "module": "noop", "args": json, "report_to": pid}` (`module` defaults to
//! `noop`, `args` to none). When the node is at its process cap it waits for a child to end
//! and tries again. Prints and reports `{"spawned": N, "failed": F, "ns": total_ns}`, where
//! F counts children that ended with a reason other than `normal`.

use std::time::Instant;

use hatchery_sdk::{
    Error, ExitReason, Message, Pid, SpawnOpts, Timeout, exit, receive_match, spawn_bytes,
};
use serde::Deserialize;
use serde_json::{Value, json};

fn default_module() -> String {
    "noop".to_owned()
}

#[derive(Deserialize)]
struct Args {
    n: u64,
    #[serde(default = "default_module")]
    module: String,
    #[serde(default)]
    args: Value,
    report_to: Option<Pid>,
}

fn main() {
    let args: Args = hatchery_sdk::args_json().unwrap_or_else(|err| {
        eprintln!("spawner: bad arguments: {err}");
        exit(ExitReason::custom("badarg"))
    });
    let child_args = match &args.args {
        Value::Null => Vec::new(),
        other => other.to_string().into_bytes(),
    };
    let opts = SpawnOpts {
        link: false,
        monitor: true,
    };
    let start = Instant::now();
    let (mut spawned, mut ended, mut failed) = (0u64, 0u64, 0u64);
    while spawned < args.n {
        match spawn_bytes(&args.module, &child_args, opts) {
            Ok(_) => spawned += 1,
            Err(Error::Limit) if ended < spawned => {
                failed += u64::from(!wait_down().is_normal());
                ended += 1;
            }
            Err(err) => {
                eprintln!("spawner: spawn failed after {spawned}: {err}");
                exit(ExitReason::custom(err.name()));
            }
        }
    }
    while ended < spawned {
        failed += u64::from(!wait_down().is_normal());
        ended += 1;
    }
    let ns = start.elapsed().as_nanos() as u64;
    let report = json!({"spawned": spawned, "failed": failed, "ns": ns});
    println!("spawner: {report}");
    if let Some(to) = args.report_to {
        let _ = to.send(&report);
    }
}

fn wait_down() -> ExitReason {
    receive_match(Timeout::Infinity, |msg| match msg {
        Message::Down { reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .unwrap_or(ExitReason::Normal)
}
