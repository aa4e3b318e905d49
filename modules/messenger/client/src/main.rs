//! The messenger client: a port of `client/2` and `await_result/0` of the seed's
//! `messenger` module, started by the equivalent of `logon(Name)`.
//!
//! Args (JSON): `{"name": "alice", "server": "messenger", "node": "local",
//! "server_node": "m", "observer": pid, "logon": true, "timeout_ms": 5000}`; only `name`
//! is required. With `server_node` the server is `{messenger, Server_Node}` on that node
//! of the cluster, as in the seed; without, on this node.
//! It registers itself as `mess_client@<node>` (one client per node, like Erlang's locally
//! registered `mess_client`), logs on, then serves `logoff`, `message_to` and
//! `message_from`. Every line it prints is also sent to the observer as
//! `{"client": name, "event": ...}`. It does not trap exits.

use hatchery_sdk::{
    Error, ExitReason, Pid, Timeout, exit, receive_match, register, self_pid, send_named,
    send_named_at,
};
use messenger_protocol::{
    ClientEvent, DEFAULT_SERVER, Reply, ToClient, ToServer, client_name, show,
};
use serde::Deserialize;
use serde_json::{Value, json};

fn default_server() -> String {
    DEFAULT_SERVER.to_owned()
}

fn default_node() -> String {
    "local".to_owned()
}

fn default_true() -> bool {
    true
}

fn default_timeout() -> u64 {
    5000
}

#[derive(Deserialize)]
struct Args {
    name: String,
    #[serde(default = "default_server")]
    server: String,
    #[serde(default = "default_node")]
    node: String,
    server_node: Option<String>,
    observer: Option<Pid>,
    /// `false` starts the loop without logging on (a test hook).
    #[serde(default = "default_true")]
    logon: bool,
    #[serde(default = "default_timeout")]
    timeout_ms: u64,
}

struct Client {
    name: String,
    server: String,
    server_node: Option<String>,
    observer: Option<Pid>,
    timeout: Timeout,
}

fn main() {
    let args: Args = match hatchery_sdk::args_json() {
        Ok(args) => args,
        Err(err) => {
            eprintln!("messenger_client: bad arguments: {err}");
            exit(ExitReason::custom("badarg"));
        }
    };
    let client = Client {
        name: args.name,
        server: args.server,
        server_node: args.server_node,
        observer: args.observer,
        timeout: Timeout::ms(args.timeout_ms),
    };
    match register(&client_name(&args.node), self_pid()) {
        Ok(()) => {}
        Err(Error::NameTaken) => {
            client.say("already_logged_on", json!("already_logged_on"));
            return;
        }
        Err(err) => {
            eprintln!("messenger_client: cannot register: {err}");
            exit(ExitReason::custom(err.name()));
        }
    }
    if args.logon {
        client.to_server(&ToServer::Logon {
            from: self_pid(),
            name: client.name.clone(),
        });
        client.await_result();
    }
    client.run();
}

impl Client {
    /// `client/1`: the main loop. Server replies and unknown messages arriving here stay
    /// queued (a stray `{messenger, _}` is picked up by the next `await_result`).
    fn run(&self) {
        loop {
            let command = receive_match(Timeout::Infinity, |msg| {
                msg.decode::<ToClient>()
                    .filter(|m| !matches!(m, ToClient::Messenger(_)))
            });
            match command {
                Some(ToClient::Logoff) => return,
                Some(ToClient::MessageTo { to, message }) => {
                    self.to_server(&ToServer::MessageTo {
                        from: self_pid(),
                        to,
                        message,
                    });
                    self.await_result();
                }
                Some(ToClient::MessageFrom { name, message }) => {
                    let line = format!("Message from {name}: {}", show(&message));
                    self.say(
                        &line,
                        json!({"message_from": {"name": name, "message": message}}),
                    );
                }
                Some(ToClient::Messenger(_)) | None => {}
            }
        }
    }

    /// `await_result/0`: a selective receive of `{messenger, ...}` replies only.
    fn await_result(&self) {
        let reply = receive_match(self.timeout, |msg| match msg.decode::<ToClient>()? {
            ToClient::Messenger(reply) => Some(reply),
            _ => None,
        });
        match reply {
            Some(Reply::Stop(why)) => {
                self.say(&show(&why), json!({"stop": why}));
                exit(ExitReason::Normal);
            }
            Some(what) => self.say(&what.to_string(), what.to_value()),
            None => {
                self.say("No response from server", json!("no_response"));
                exit(ExitReason::custom("timeout"));
            }
        }
    }

    /// `{messenger, Server_Node} ! Msg`: send and pray. An unregistered server name loses
    /// the message, like a message to a node that is not there.
    fn to_server(&self, msg: &ToServer) {
        let _ = match &self.server_node {
            Some(node) => send_named_at(&self.server, node, msg),
            None => send_named(&self.server, msg),
        };
    }

    /// Prints a line and reports it to the observer.
    fn say(&self, line: &str, event: Value) {
        println!("{line}");
        if let Some(observer) = self.observer {
            let _ = observer.send(&ClientEvent {
                client: self.name.clone(),
                event,
            });
        }
    }
}
