//! The messages of the messenger example (Erlang's `messenger` module), as JSON.
//!
//! Every enum is externally tagged with snake_case names, so `{From, logon, Name}` becomes
//! `{"logon": {"from": 5, "name": "alice"}}` and the atom `logoff` becomes `"logoff"`. The
//! exact shapes are listed in `modules/messenger/README.md`.

use std::fmt;

use hatchery_sdk::Pid;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The server's default registered name.
pub const DEFAULT_SERVER: &str = "messenger";

/// The reply reason when a name is already logged on (`user_exists_at_other_node`).
pub const USER_EXISTS: &str = "user_exists_at_other_node";

/// The reply reason when a sender is not in the server's list (`you_are_not_logged_on`).
pub const NOT_LOGGED_ON: &str = "you_are_not_logged_on";

/// The registered name of the client of `node` (Erlang's `mess_client` on that node).
pub fn client_name(node: &str) -> String {
    format!("mess_client@{node}")
}

/// A message the server acts on. Exit signals reach it as `EXIT` messages instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToServer {
    /// `{ClientPid, logon, UserName}`.
    Logon {
        /// The client asking to log on (replies go here).
        from: Pid,
        /// The user name.
        name: String,
    },
    /// `{ClientPid, message_to, ToName, Message}`.
    MessageTo {
        /// The sending client.
        from: Pid,
        /// The receiving user's name.
        to: String,
        /// Any JSON value.
        message: Value,
    },
    /// Extension (not in the seed): asks for [`Users`], sent to `from`.
    ListUsers {
        /// Where to send the list.
        from: Pid,
    },
}

/// A message a client acts on: server replies, commands and deliveries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToClient {
    /// `{messenger, What}` or `{messenger, stop, Why}`: a reply from the server.
    Messenger(Reply),
    /// `{message_from, Name, Message}`: a message delivered by the server.
    MessageFrom {
        /// The sending user's name.
        name: String,
        /// Any JSON value.
        message: Value,
    },
    /// The `logoff` command.
    Logoff,
    /// The `{message_to, ToName, Message}` command.
    MessageTo {
        /// The receiving user's name.
        to: String,
        /// Any JSON value.
        message: Value,
    },
}

/// What follows `messenger` in a server reply.
///
/// As in Erlang, any value is accepted: `{"stop": Why}` stops the client, everything else
/// is a normal response that the client prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// `logged_on`.
    LoggedOn,
    /// `sent`.
    Sent,
    /// `receiver_not_found`.
    ReceiverNotFound,
    /// `stop, Why`.
    Stop(Value),
    /// Any other `What`.
    #[serde(untagged)]
    Other(Value),
}

impl Reply {
    /// `{messenger, stop, Why}` with a text reason.
    pub fn stop(why: &str) -> Reply {
        Reply::Stop(Value::String(why.to_owned()))
    }

    /// The reply as JSON (the value after `"messenger"`).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl fmt::Display for Reply {
    /// What the client prints: `logged_on`, `sent`, `receiver_not_found`, the stop reason,
    /// or any other value as [`show`] renders it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::LoggedOn => f.write_str("logged_on"),
            Reply::Sent => f.write_str("sent"),
            Reply::ReceiverNotFound => f.write_str("receiver_not_found"),
            Reply::Stop(why) => f.write_str(&show(why)),
            Reply::Other(what) => f.write_str(&show(what)),
        }
    }
}

/// The server's answer to [`ToServer::ListUsers`]: `{"users": [[pid, "name"], ...]}`, newest
/// logon first (the order of the server's list).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Users {
    /// `(pid, name)` pairs.
    pub users: Vec<(Pid, String)>,
}

/// A line a client printed, as sent to its observer: `{"client": "alice", "event": ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientEvent {
    /// The client's user name.
    pub client: String,
    /// What happened (see the README).
    pub event: Value,
}

/// Something the server did, as sent to its observer: `{"server": "messenger", "event": ...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerEvent {
    /// The server's registered name.
    pub server: String,
    /// What happened (see the README).
    pub event: Value,
}

/// A JSON value the way Erlang's `~p` would show the matching term: strings bare (they
/// stand for atoms), anything else as compact JSON.
pub fn show(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The user list as the seed prints it: `[{<0.5>,alice},{<0.4>,bob}]`.
pub fn format_users(users: &[(Pid, String)]) -> String {
    let items: Vec<String> = users
        .iter()
        .map(|(pid, name)| format!("{{{pid},{name}}}"))
        .collect();
    format!("[{}]", items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn to_server_shapes() {
        let logon = ToServer::Logon {
            from: Pid(5),
            name: "alice".into(),
        };
        assert_eq!(
            serde_json::to_value(&logon).unwrap(),
            json!({"logon": {"from": 5, "name": "alice"}})
        );
        let msg: ToServer =
            serde_json::from_value(json!({"message_to": {"from": 5, "to": "bob", "message": [1]}}))
                .unwrap();
        assert_eq!(
            msg,
            ToServer::MessageTo {
                from: Pid(5),
                to: "bob".into(),
                message: json!([1])
            }
        );
    }

    #[test]
    fn replies_accept_any_value() {
        let parse = |v| serde_json::from_value::<ToClient>(v).unwrap();
        assert_eq!(
            parse(json!({"messenger": "logged_on"})),
            ToClient::Messenger(Reply::LoggedOn)
        );
        assert_eq!(
            parse(json!({"messenger": {"stop": "user_exists_at_other_node"}})),
            ToClient::Messenger(Reply::stop(USER_EXISTS))
        );
        assert_eq!(
            parse(json!({"messenger": 42})),
            ToClient::Messenger(Reply::Other(json!(42)))
        );
        assert_eq!(
            parse(json!({"messenger": "whatever"})),
            ToClient::Messenger(Reply::Other(json!("whatever")))
        );
        assert_eq!(parse(json!("logoff")), ToClient::Logoff);
        assert_eq!(Reply::Sent.to_value(), json!("sent"));
        assert_eq!(Reply::stop("x").to_value(), json!({"stop": "x"}));
    }

    #[test]
    fn printing_follows_erlang() {
        assert_eq!(Reply::ReceiverNotFound.to_string(), "receiver_not_found");
        assert_eq!(Reply::stop(NOT_LOGGED_ON).to_string(), NOT_LOGGED_ON);
        assert_eq!(show(&json!({"a": 1})), r#"{"a":1}"#);
        assert_eq!(
            format_users(&[(Pid(5), "alice".into()), (Pid(4), "bob".into())]),
            "[{<0.5>,alice},{<0.4>,bob}]"
        );
        assert_eq!(format_users(&[]), "[]");
        assert_eq!(client_name("a"), "mess_client@a");
    }
}
