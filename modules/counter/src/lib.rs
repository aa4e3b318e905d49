//! A counter server for hot swap: it counts `{"inc": seq}` casts, checks that the
//! sequence numbers arrive in order, and carries its state across module versions.
//!
//! The same code builds several versions, told apart by `V`, so tests and benchmarks can
//! swap between real, different modules:
//! - 1 (`counter`) and 2 (`counter_v2`) keep the state in different shapes and convert
//!   either one in `code_change`, so they can replace each other in any order;
//! - 3 (`counter_refuse`) refuses every state; 4 (`counter_trap`) traps in `code_change`;
//! - 5 (`counter_plain`) has no upgrade callbacks.
//!
//! Args (JSON, optional): `{"name": "counter"}` registers the server under that name.
//! Requests: call `"get"` → the state as JSON plus `"version"`; call `"hibernate"` → `"ok"`,
//! then it hibernates; cast `{"inc": seq}`.

use hatchery_sdk::server::{self, CallResult, From, Server, Upgrade};
use hatchery_sdk::{register, self_pid};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The counter's state; `V` is the version this build calls itself.
#[derive(Default)]
pub struct Counter<const V: u8> {
    count: u64,
    last: u64,
    out_of_order: u64,
    upgrades: u64,
}

/// Casts the counter takes.
#[derive(Deserialize)]
pub struct Inc {
    inc: u64,
}

/// Version 1's saved state.
#[derive(Serialize, Deserialize)]
struct StateV1 {
    count: u64,
    last: u64,
    out_of_order: u64,
    upgrades: u64,
}

/// Version 2's saved state: other field names, so taking it needs a real conversion.
#[derive(Serialize, Deserialize)]
struct StateV2 {
    total: u64,
    last_seq: u64,
    disorder: u64,
    swaps: u64,
}

impl<const V: u8> Counter<V> {
    fn to_json(&self) -> Value {
        json!({
            "count": self.count,
            "last": self.last,
            "out_of_order": self.out_of_order,
            "upgrades": self.upgrades,
            "version": V,
        })
    }

    /// Reads either version's state.
    fn from_saved(bytes: &[u8]) -> Result<Self, String> {
        if let Ok(s) = serde_json::from_slice::<StateV2>(bytes) {
            return Ok(Counter {
                count: s.total,
                last: s.last_seq,
                out_of_order: s.disorder,
                upgrades: s.swaps,
            });
        }
        let s: StateV1 =
            serde_json::from_slice(bytes).map_err(|e| format!("not a counter state: {e}"))?;
        Ok(Counter {
            count: s.count,
            last: s.last,
            out_of_order: s.out_of_order,
            upgrades: s.upgrades,
        })
    }
}

impl<const V: u8> Server for Counter<V> {
    type Call = String;
    type Reply = Value;
    type Cast = Inc;

    fn handle_call(&mut self, request: String, _from: &From) -> CallResult<Value> {
        match request.as_str() {
            "get" => CallResult::Reply(self.to_json()),
            "hibernate" => {
                server::hibernate();
                CallResult::Reply(json!("ok"))
            }
            other => CallResult::Reply(json!({"error": format!("unknown request {other}")})),
        }
    }

    fn handle_cast(&mut self, m: Inc) -> server::Next {
        if m.inc != self.last + 1 {
            self.out_of_order += 1;
        }
        self.last = m.inc;
        self.count += 1;
        server::Next::Continue
    }
}

impl<const V: u8> Upgrade for Counter<V> {
    fn save(&self) -> Vec<u8> {
        let bytes = if V == 2 {
            serde_json::to_vec(&StateV2 {
                total: self.count,
                last_seq: self.last,
                disorder: self.out_of_order,
                swaps: self.upgrades,
            })
        } else {
            serde_json::to_vec(&StateV1 {
                count: self.count,
                last: self.last,
                out_of_order: self.out_of_order,
                upgrades: self.upgrades,
            })
        };
        bytes.unwrap_or_default()
    }

    fn code_change(old_version: u32, state: &[u8]) -> Result<Self, String> {
        match V {
            3 => Err(format!(
                "version 3 takes no state (offered v{old_version}'s)"
            )),
            4 => panic!("code_change: this version always traps"),
            _ => {
                let mut c = Self::from_saved(state)?;
                c.upgrades += 1;
                Ok(c)
            }
        }
    }
}

/// The body of every version's `main`: register the name given in the args, then serve.
pub fn start<const V: u8>() {
    let args: Value = hatchery_sdk::args_json().unwrap_or(Value::Null);
    if let Some(name) = args.get("name").and_then(Value::as_str) {
        let _ = register(name, self_pid());
    }
    if V == 5 {
        server::serve(Counter::<V>::default());
    } else {
        server::serve_upgradable(Counter::<V>::default());
    }
}
