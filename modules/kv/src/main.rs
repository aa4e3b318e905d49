//! The key-value server of the thesis, §6.5.2, as a behaviour-style server: the host runs
//! the receive loop and calls the callbacks below.
//!
//! Args `{"name": "kv", "register": true}` (both optional): it registers under that name
//! unless `register` is false (the benchmarks start many anonymous ones).
//!
//! | Call (`{"$call": ...}` request) | Reply |
//! |---|---|
//! | `{"store": {"key": "a", "value": <json>}}` | `"ok"` |
//! | `{"lookup": "a"}` | `{"found": <json>}` or `"error"`; `{"lookup": "crash"}` crashes the server, as in the thesis's demo |
//! | `{"sleep": ms}` | `"slept"` after `ms` (to test call timeouts and late replies) |
//! | `"infos"` | how many other messages `handle_info` has seen |
//! | `"stop"` | `"stopping"`, then the server ends with reason `normal` |
//!
//! Cast: `{"store": {"key": "a", "value": <json>}}`.

use std::collections::BTreeMap;

use hatchery_sdk::server::{self, CallResult, From, Next, Server};
use hatchery_sdk::{ExitReason, Message, Timeout, args_json, receive_match, register, self_pid};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Call {
    Store { key: String, value: Value },
    Lookup(String),
    Sleep(u64),
    Infos,
    Stop,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Cast {
    Store { key: String, value: Value },
}

#[derive(Default)]
struct Kv {
    table: BTreeMap<String, Value>,
    infos: u64,
}

impl Server for Kv {
    type Call = Call;
    type Reply = Value;
    type Cast = Cast;

    fn handle_call(&mut self, request: Call, _from: &From) -> CallResult<Value> {
        match request {
            Call::Store { key, value } => {
                self.table.insert(key, value);
                CallResult::Reply(json!("ok"))
            }
            Call::Lookup(key) if key == "crash" => {
                // The thesis's deliberate bug: `lookup(crash)` fails inside the server
                // (indexing a key that is not there panics, like a failed match).
                CallResult::Reply(self.table[key.as_str()].clone())
            }
            Call::Lookup(key) => CallResult::Reply(match self.table.get(&key) {
                Some(v) => json!({"found": v}),
                None => json!("error"),
            }),
            Call::Sleep(ms) => {
                // A receive that matches nothing: other messages stay queued.
                receive_match(Timeout::ms(ms), |_| None::<()>);
                CallResult::Reply(json!("slept"))
            }
            Call::Infos => CallResult::Reply(json!(self.infos)),
            Call::Stop => CallResult::Stop(ExitReason::Normal, Some(json!("stopping"))),
        }
    }

    fn handle_cast(&mut self, message: Cast) -> Next {
        let Cast::Store { key, value } = message;
        self.table.insert(key, value);
        Next::Continue
    }

    fn handle_info(&mut self, _message: Message) -> Next {
        self.infos += 1;
        Next::Continue
    }

    fn terminate(&mut self, reason: &ExitReason) {
        println!("kv: terminating ({reason}) with {} keys", self.table.len());
    }
}

#[derive(Deserialize)]
struct Args {
    name: Option<String>,
    #[serde(default = "yes")]
    register: bool,
}

fn yes() -> bool {
    true
}

fn main() {
    let args = args_json::<Option<Args>>().ok().flatten();
    let register_it = args.as_ref().is_none_or(|a| a.register);
    let name = args.and_then(|a| a.name).unwrap_or_else(|| "kv".into());
    if register_it && let Err(e) = register(&name, self_pid()) {
        hatchery_sdk::exit(ExitReason::Custom(
            format!("cannot register {name}: {e}").into_bytes(),
        ));
    }
    server::serve(Kv::default());
}

hatchery_sdk::export_server!();
