//! The conformance protocol (modules/conformance/PROTOCOL.md) for the Rust guests, and the
//! counter server both versions build from.

use hatchery_sdk::server::{CallResult, From, Server, Upgrade};
use hatchery_sdk::{Message, Pid};
use serde_json::{Value, json};

/// A parsed command.
pub struct Command {
    /// The operation.
    pub op: u8,
    /// First integer argument.
    pub a: i64,
    /// Second integer argument.
    pub b: i64,
    /// Third integer argument.
    pub c: i64,
    /// First byte string.
    pub s1: Vec<u8>,
    /// Second byte string.
    pub s2: Vec<u8>,
}

impl Command {
    /// The first byte of a command.
    pub const MAGIC: u8 = 0xC0;
    /// The first byte of a reply.
    pub const REPLY: u8 = 0xC1;

    /// Parses a command; `None` when it is too short for what it says it holds.
    pub fn parse(data: &[u8]) -> Option<Command> {
        let i64_at = |at: usize| -> Option<i64> {
            Some(i64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
        };
        let u32_at = |at: usize| -> Option<usize> {
            Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?) as usize)
        };
        let (len1, len2) = (u32_at(32)?, u32_at(36)?);
        let s1 = data.get(40..40usize.checked_add(len1)?)?.to_vec();
        let end = (40 + len1).checked_add(len2)?;
        let s2 = data.get(40 + len1..end)?.to_vec();
        Some(Command {
            op: *data.get(1)?,
            a: i64_at(8)?,
            b: i64_at(16)?,
            c: i64_at(24)?,
            s1,
            s2,
        })
    }
}

/// Sends a reply to `to`.
pub fn reply(to: Pid, op: u8, r: i64, x: i64, y: i64, data: &[u8]) {
    let mut out = Vec::with_capacity(40 + data.len());
    out.extend_from_slice(&[Command::REPLY, op, 0, 0, 0, 0, 0, 0]);
    for v in [r, x, y] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(data);
    let _ = to.send_bytes(&out);
}

/// The counter server of the protocol; `V` is the version this build calls itself.
#[derive(Default)]
pub struct Counter<const V: u8> {
    count: i64,
    infos: i64,
}

impl<const V: u8> Server for Counter<V> {
    type Call = String;
    type Reply = Value;
    type Cast = i64;

    fn handle_call(&mut self, request: String, _from: &From) -> CallResult<Value> {
        CallResult::Reply(match request.as_str() {
            "get" => json!(self.count),
            "infos" => json!(self.infos),
            "version" => json!(V),
            other => json!({ "unknown": other }),
        })
    }

    fn handle_cast(&mut self, n: i64) -> hatchery_sdk::server::Next {
        self.count += n;
        hatchery_sdk::server::Next::Continue
    }

    fn handle_info(&mut self, _message: Message) -> hatchery_sdk::server::Next {
        self.infos += 1;
        hatchery_sdk::server::Next::Continue
    }
}

impl<const V: u8> Upgrade for Counter<V> {
    /// v1 saves `[count, infos]`; v2 saves `{"count": .., "infos": ..}`.
    fn save(&self) -> Vec<u8> {
        let state = if V == 1 {
            json!([self.count, self.infos])
        } else {
            json!({"count": self.count, "infos": self.infos})
        };
        state.to_string().into_bytes()
    }

    fn code_change(old_version: u32, state: &[u8]) -> Result<Self, String> {
        let v: Value = serde_json::from_slice(state).map_err(|e| e.to_string())?;
        let (count, infos) = match (&v, old_version) {
            (Value::Array(a), _) if a.len() == 2 => (a[0].as_i64(), a[1].as_i64()),
            (Value::Object(o), _) => (
                o.get("count").and_then(Value::as_i64),
                o.get("infos").and_then(Value::as_i64),
            ),
            _ => (None, None),
        };
        match (count, infos) {
            (Some(count), Some(infos)) => Ok(Counter { count, infos }),
            _ => Err(format!("not a counter state from v{old_version}: {v}")),
        }
    }
}

/// The init of both versions.
pub fn start<const V: u8>() {
    hatchery_sdk::server::serve_upgradable(Counter::<V>::default());
}
