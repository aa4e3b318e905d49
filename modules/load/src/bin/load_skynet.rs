//! Skynet: one node of a 10-ary tree of processes.
//!
//! Args `{"num": n, "size": s, "to": pid}`: a leaf (`s` = 1) sends `n` to `to`; any other
//! node spawns 10 children with `num` n + i·s/10 and `size` s/10, sums their 10 replies and
//! sends the sum to `to`. Replies are 8 bytes, little-endian. The root of a tree with `s`
//! leaves replies 0 + 1 + … + (s − 1).

use hatchery_sdk::{Message, Pid, Timeout, receive_match, self_pid, spawn};
use load::{args, fail};
use serde::{Deserialize, Serialize};

const GUEST: &str = "load_skynet";

#[derive(Serialize, Deserialize)]
struct Args {
    num: u64,
    size: u64,
    to: Pid,
}

fn main() {
    let a: Args = args(GUEST);
    if a.size <= 1 {
        let _ = a.to.send_bytes(&a.num.to_le_bytes());
        return;
    }
    let me = self_pid();
    let size = a.size / 10;
    for i in 0..10 {
        let child = Args {
            num: a.num + i * size,
            size,
            to: me,
        };
        if let Err(err) = spawn(GUEST, &child) {
            fail(GUEST, "spawning a child", err);
        }
    }
    let mut sum = 0u64;
    for _ in 0..10 {
        sum += receive_match(Timeout::Infinity, |m| match m {
            Message::User { data, .. } => {
                Some(u64::from_le_bytes(data.as_slice().try_into().ok()?))
            }
            _ => None,
        })
        .unwrap_or(0);
    }
    let _ = a.to.send_bytes(&sum.to_le_bytes());
}
