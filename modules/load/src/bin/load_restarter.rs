//! Restarts of a crashing linked child under a parent that traps exits.
//!
//! Args `{"n": N, "child": "load_crash", "report_to": pid}`: traps exits, then N times
//! spawn_links `child` and waits for its `EXIT`; reports `{"restarts": N, "abnormal": A,
//! "ns": ..}`, where A counts the children that ended with a reason other than `normal`
//! (all of them, for a child that crashes).

use std::time::Instant;

use hatchery_sdk::{Message, Pid, SpawnOpts, Timeout, receive_match, spawn_bytes, trap_exit};
use load::{args, fail, report};
use serde::Deserialize;
use serde_json::json;

const GUEST: &str = "load_restarter";

#[derive(Deserialize)]
struct Args {
    n: u64,
    child: String,
    report_to: Option<Pid>,
}

fn main() {
    let a: Args = args(GUEST);
    trap_exit(true);
    let link = SpawnOpts {
        link: true,
        monitor: false,
    };
    let start = Instant::now();
    let mut abnormal = 0u64;
    for _ in 0..a.n {
        let child = match spawn_bytes(&a.child, &[], link) {
            Ok((pid, _)) => pid,
            Err(err) => fail(GUEST, "spawning the child", err),
        };
        let normal = receive_match(Timeout::Infinity, |m| match m {
            Message::Exit { from, reason } if *from == child => Some(reason.is_normal()),
            _ => None,
        });
        abnormal += u64::from(normal == Some(false));
    }
    let ns = start.elapsed().as_nanos() as u64;
    let r = json!({"restarts": a.n, "abnormal": abnormal, "ns": ns});
    report(GUEST, a.report_to, &r);
}
