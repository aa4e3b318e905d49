//! The messenger server: a port of `server/0` of the seed's `messenger` module.
//!
//! Args (JSON, all optional): `{"name": "messenger", "observer": pid}`. It traps exits,
//! registers itself under `name` and keeps the user list `[(pid, name)]`, newest first.
//! Like the Erlang original it has no catch-all clause: a message it does not understand
//! stays in its mailbox.

use hatchery_sdk::{
    Error, ExitReason, Message, Pid, Timeout, exit, receive_match, register, self_pid, trap_exit,
};
use messenger_protocol::{
    DEFAULT_SERVER, NOT_LOGGED_ON, Reply, ServerEvent, ToClient, ToServer, USER_EXISTS, Users,
    format_users,
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
struct Args {
    name: Option<String>,
    observer: Option<Pid>,
}

/// One match of the server's `receive`.
enum Clause {
    Request(ToServer),
    Exit(Pid, ExitReason),
}

struct Server {
    name: String,
    observer: Option<Pid>,
    /// `User_List`: `[{ClientPid, Name}]`, newest first.
    users: Vec<(Pid, String)>,
}

fn main() {
    let args = match hatchery_sdk::args_json::<Option<Args>>() {
        Ok(args) => args.unwrap_or_default(),
        Err(err) => {
            eprintln!("messenger_server: bad arguments: {err}");
            exit(ExitReason::custom("badarg"));
        }
    };
    let name = args.name.unwrap_or_else(|| DEFAULT_SERVER.to_owned());
    trap_exit(true);
    match register(&name, self_pid()) {
        Ok(()) => {}
        Err(Error::NameTaken) => {
            println!("messenger_server: the name {name} is taken");
            exit(ExitReason::custom("name_taken"));
        }
        Err(err) => {
            println!("messenger_server: cannot register {name}: {err}");
            exit(ExitReason::custom(err.name()));
        }
    }
    let mut server = Server {
        name,
        observer: args.observer,
        users: Vec::new(),
    };
    server.report(json!("ready"));
    loop {
        let clause = receive_match(Timeout::Infinity, |msg| match msg {
            Message::Exit { from, reason } => Some(Clause::Exit(*from, reason.clone())),
            Message::User { .. } => msg.decode::<ToServer>().map(Clause::Request),
            _ => None,
        });
        match clause {
            Some(Clause::Request(ToServer::Logon { from, name })) => server.logon(from, name),
            Some(Clause::Exit(from, reason)) => server.logoff(from, &reason),
            Some(Clause::Request(ToServer::MessageTo { from, to, message })) => {
                server.transfer(from, &to, message);
                let list = format_users(&server.users);
                println!("list is now: {list}");
                let pairs = server.users_json();
                server.report(json!({"list_is_now": pairs}));
            }
            Some(Clause::Request(ToServer::ListUsers { from })) => {
                let _ = from.send(&Users {
                    users: server.users.clone(),
                });
            }
            None => {}
        }
    }
}

impl Server {
    /// `server_logon/3`: reply, then link, then add; or reject without linking.
    fn logon(&mut self, from: Pid, name: String) {
        if self.users.iter().any(|(_, n)| *n == name) {
            reply(from, Reply::stop(USER_EXISTS));
            self.report(json!({"logon": {"pid": from, "name": name, "result": USER_EXISTS}}));
            return;
        }
        reply(from, Reply::LoggedOn);
        // A dead `from` makes this return Err(NoProc) and queue {'EXIT', From, noproc},
        // which removes the entry again, as in Erlang.
        let _ = hatchery_sdk::link(from);
        self.users.insert(0, (from, name.clone()));
        self.report(json!({"logon": {"pid": from, "name": name, "result": "logged_on"}}));
    }

    /// `server_logoff/2`, on `{'EXIT', From, _}`.
    fn logoff(&mut self, from: Pid, reason: &ExitReason) {
        self.users.retain(|(pid, _)| *pid != from);
        let reason = reason.to_string();
        self.report(json!({"exit": {"pid": from, "reason": reason}}));
    }

    /// `server_transfer/4` and `/5`.
    fn transfer(&self, from: Pid, to: &str, message: Value) {
        let Some((_, name)) = self.users.iter().find(|(pid, _)| *pid == from) else {
            reply(from, Reply::stop(NOT_LOGGED_ON));
            return;
        };
        match self.users.iter().find(|(_, n)| n == to) {
            None => reply(from, Reply::ReceiverNotFound),
            Some((to_pid, _)) => {
                let _ = to_pid.send(&ToClient::MessageFrom {
                    name: name.clone(),
                    message,
                });
                reply(from, Reply::Sent);
            }
        }
    }

    fn users_json(&self) -> Value {
        self.users
            .iter()
            .map(|(pid, name)| json!([pid, name]))
            .collect()
    }

    /// Tells the observer, if any, what just happened (an extension for tests and the demo).
    fn report(&self, event: Value) {
        if let Some(observer) = self.observer {
            let _ = observer.send(&ServerEvent {
                server: self.name.clone(),
                event,
            });
        }
    }
}

/// `From ! {messenger, ...}`; a dead client drops it, as in Erlang.
fn reply(to: Pid, reply: Reply) {
    let _ = to.send(&ToClient::Messenger(reply));
}
