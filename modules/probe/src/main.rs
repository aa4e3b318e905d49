//! A scriptable test guest: it runs steps given in its arguments, then steps sent to it as
//! `{"do": Step}` messages, and reports each result to `report_to` as
//! `{"probe": <own pid>, "result": <json>}`. The step language is in `README.md`.

mod step;

use hatchery_sdk::{Message, Pid, Timeout, receive_match, self_pid};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
struct Args {
    report_to: Option<Pid>,
    #[serde(default)]
    steps: Vec<Value>,
}

fn main() {
    let args = match hatchery_sdk::args_json::<Option<Args>>() {
        Ok(args) => args.unwrap_or_default(),
        Err(err) => {
            eprintln!("probe: bad arguments: {err}");
            Args::default()
        }
    };
    let mut probe = step::Probe::new(self_pid(), args.report_to);
    for step in args.steps {
        probe.run(step);
    }
    loop {
        let step = receive_match(Timeout::Infinity, |msg| match msg {
            Message::User { data, .. } => do_step(data),
            _ => None,
        });
        if let Some(step) = step {
            probe.run(step);
        }
    }
}

/// The step of a `{"do": Step}` message, or `None` for any other message.
fn do_step(data: &[u8]) -> Option<Value> {
    match serde_json::from_slice::<Value>(data).ok()? {
        Value::Object(mut map) => map.remove("do"),
        _ => None,
    }
}

/// Whether user message bytes are a `{"do": ...}` command (never matched by `recv`).
fn is_do(data: &[u8]) -> bool {
    do_step(data).is_some()
}

/// A message as the probe reports it.
fn describe(msg: &Message) -> Value {
    match msg {
        Message::User { from, data } => {
            let data = serde_json::from_slice::<Value>(data).unwrap_or_else(|_| json!(hex(data)));
            json!({"kind": "user", "from": from, "data": data})
        }
        Message::Exit { from, reason } => {
            json!({"kind": "exit", "from": from, "reason": reason.to_string()})
        }
        Message::Down {
            monitor,
            pid,
            reason,
        } => json!({"kind": "down", "ref": monitor, "pid": pid, "reason": reason.to_string()}),
        Message::NodeUp { node } => json!({"kind": "nodeup", "node": node}),
        Message::NodeDown { node } => json!({"kind": "nodedown", "node": node}),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
