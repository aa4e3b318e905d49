//! `bench_rust_pong`: the benchmark pong every guest language has: echoes each user
//! message to its sender until it gets the bytes `stop`.
use hatchery_sdk::{Message, Timeout, receive_match};

fn main() {
    loop {
        let stop = receive_match(Timeout::Infinity, |m| match m {
            Message::User { data, .. } if data.as_slice() == b"stop" => Some(true),
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
