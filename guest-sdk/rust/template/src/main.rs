//! {{name}}: a hello server. It registers itself as `{{name}}`, greets on every cast, answers
//! calls, and keeps its state when a new version of the module is loaded (hot swap).
//!
//! Try it: `hatchery run {{name}}.wasm`, then in another terminal
//! `hatchery send {{name}} '{"$cast": {"greet": "Ada"}}'`.

use hatchery_sdk::server::{self, CallResult, From, Next, Server, Upgrade};
use hatchery_sdk::{ExitReason, Message, register, self_pid};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A cast: `{"greet": "Ada"}`.
#[derive(Deserialize)]
struct Greet {
    greet: String,
}

/// The server's state; it survives hot swaps.
#[derive(Default, Serialize, Deserialize)]
struct Hello {
    greeted: u64,
}

impl Server for Hello {
    type Call = String;
    type Reply = Value;
    type Cast = Greet;

    /// `"count"` → how many greetings so far; anything else → an error value.
    fn handle_call(&mut self, request: String, _from: &From) -> CallResult<Value> {
        CallResult::Reply(match request.as_str() {
            "count" => json!(self.greeted),
            other => json!({ "error": format!("unknown request {other}") }),
        })
    }

    /// A cast `{"greet": name}` greets that name.
    fn handle_cast(&mut self, Greet { greet }: Greet) -> Next {
        self.greeted += 1;
        println!("{{name}}: Hello, {greet}! (greeting #{})", self.greeted);
        Next::Continue
    }

    fn handle_info(&mut self, message: Message) -> Next {
        println!("{{name}}: ignoring {message:?}");
        Next::Continue
    }

    fn terminate(&mut self, reason: &ExitReason) {
        println!("{{name}}: stopping ({reason})");
    }
}

impl Upgrade for Hello {
    fn save(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn code_change(_old_version: u32, state: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(state).map_err(|e| format!("not a {{name}} state: {e}"))
    }
}

fn main() {
    if let Err(e) = register("{{name}}", self_pid()) {
        eprintln!("{{name}}: cannot register: {e}");
    }
    println!(
        "{{name}}: hello from Rust, pid {}; try: hatchery send {{name}} '{{\"$cast\": {{\"greet\": \"Ada\"}}}}'",
        self_pid()
    );
    server::serve_upgradable(Hello::default());
}

hatchery_sdk::export_server!(upgrade: Hello);
