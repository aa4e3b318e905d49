//! A process that waits for any one message, then exits normally. Used to measure the
//! memory of an idle process and wake-up latency.

use hatchery_sdk::{Timeout, receive};

fn main() {
    let _ = receive(Timeout::Infinity);
}
