//! A Rust SDK process that panics as soon as it starts: the crashing child of the restart
//! benchmark. The SDK's panic hook ends it through the host's `panic` call (reason `trap`,
//! the message first), so no `unreachable` is executed.

fn main() {
    panic!(
        "load_crash {}: crashing on purpose",
        hatchery_sdk::self_pid()
    );
}
