//! The messenger demo: starts a server, logs on alice (node a) and bob (node b), shows a
//! second alice (node c) being refused, has alice message bob and bob message an unknown
//! user, and logs alice off, narrating each step. Every step waits for the event that
//! proves it happened (observer reports and monitors), so the story is deterministic. The
//! demo then exits normally; the server and bob keep running.

use hatchery_sdk::{
    ExitReason, Message, MonitorRef, Pid, Timeout, exit, monitor, receive_match, self_pid,
    send_named, spawn, spawn_monitor, whereis,
};
use messenger_protocol::{
    ClientEvent, DEFAULT_SERVER, ServerEvent, ToServer, Users, client_name, show,
};
use serde_json::{Value, json};

/// How long the demo waits for any one step.
const STEP_TIMEOUT: Timeout = Timeout::After(5000);

struct Demo {
    me: Pid,
    server: String,
    suffix: String,
}

fn main() {
    let me = self_pid();
    // Args (optional): {"server": "name"} names the server this demo starts.
    let named = hatchery_sdk::args_json::<Value>()
        .ok()
        .and_then(|a| a.get("server").and_then(Value::as_str).map(str::to_string));
    // Run beside an earlier demo's server and clients without disturbing them.
    let suffix = match (&named, whereis(DEFAULT_SERVER)) {
        (Some(_), _) | (None, None) => String::new(),
        (None, Some(_)) => format!("_{}", me.0),
    };
    let demo = Demo {
        me,
        server: named.unwrap_or_else(|| format!("{DEFAULT_SERVER}{suffix}")),
        suffix,
    };
    demo.run();
    story("The demo ends here; the server and bob keep running.");
}

impl Demo {
    fn run(&self) {
        story(&format!(
            "Starting the messenger server, registered as `{}`.",
            self.server
        ));
        let args = json!({"name": self.server, "observer": self.me});
        let (_, server_monitor) = check(spawn_monitor("messenger_server", &args), "spawn server");
        self.wait_server(&json!("ready"), Some(server_monitor), "server ready");
        let _ = hatchery_sdk::demonitor(server_monitor, true);

        story("alice logs on from node a.");
        self.start_client("alice", "a");
        self.wait_client("alice", &json!("logged_on"));

        story("bob logs on from node b.");
        self.start_client("bob", "b");
        self.wait_client("bob", &json!("logged_on"));

        story("Another alice tries to log on from node c: the name is taken, so she is refused.");
        let (_, dup) = check(
            spawn_monitor("messenger_client", &self.client_args("alice", "c")),
            "spawn client",
        );
        self.wait_client("alice", &json!({"stop": "user_exists_at_other_node"}));
        let reason = wait_down(dup);
        story(&format!(
            "  The refused client ended with reason `{reason}`."
        ));

        story("alice sends bob a message.");
        let hello = json!("Hello bob, it's alice");
        self.command("a", &json!({"message_to": {"to": "bob", "message": hello}}));
        self.wait_client("alice", &json!("sent"));
        self.wait_client(
            "bob",
            &json!({"message_from": {"name": "alice", "message": hello}}),
        );

        story("bob writes to carol, who is not logged on.");
        self.command(
            "b",
            &json!({"message_to": {"to": "carol", "message": "hi carol"}}),
        );
        self.wait_client("bob", &json!("receiver_not_found"));

        story("alice logs off; the server sees her client's EXIT and forgets her.");
        let Some(alice) = whereis(&client_name(&self.node("a"))) else {
            fail("alice's client is not registered");
        };
        let alice_monitor = monitor(alice);
        self.command("a", &json!("logoff"));
        let reason = wait_down(alice_monitor);
        story(&format!("  alice's client ended with reason `{reason}`."));
        self.wait_server(
            &json!({"exit": {"pid": alice, "reason": "normal"}}),
            None,
            "server saw alice's exit",
        );

        let users = self.list_users();
        let names: Vec<&str> = users.users.iter().map(|(_, n)| n.as_str()).collect();
        story(&format!("Logged on now: {names:?}."));
    }

    fn node(&self, node: &str) -> String {
        format!("{node}{}", self.suffix)
    }

    fn client_args(&self, name: &str, node: &str) -> Value {
        json!({"name": name, "node": self.node(node), "server": self.server, "observer": self.me})
    }

    fn start_client(&self, name: &str, node: &str) {
        check(
            spawn("messenger_client", &self.client_args(name, node)),
            "spawn client",
        );
    }

    /// `messenger:message/2` and `logoff/0`: a command to the client of `node`.
    fn command(&self, node: &str, msg: &Value) {
        check(
            send_named(&client_name(&self.node(node)), msg),
            "send command",
        );
    }

    fn list_users(&self) -> Users {
        check(
            send_named(&self.server, &ToServer::ListUsers { from: self.me }),
            "ask for users",
        );
        receive_match(STEP_TIMEOUT, |msg| msg.decode::<Users>())
            .unwrap_or_else(|| fail("no user list from the server"))
    }

    fn wait_client(&self, name: &str, event: &Value) {
        let seen = receive_match(STEP_TIMEOUT, |msg| {
            let e: ClientEvent = msg.decode()?;
            (e.client == name && e.event == *event).then_some(())
        });
        match seen {
            Some(()) => story(&format!("  {name}'s client reports: {}", show(event))),
            None => fail(&format!("{name}'s client did not report {event}")),
        }
    }

    /// Waits for a server event; with `monitor`, a `DOWN` of the server fails the demo.
    fn wait_server(&self, event: &Value, monitor: Option<MonitorRef>, what: &str) {
        let seen = receive_match(STEP_TIMEOUT, |msg| match msg {
            Message::Down {
                monitor: m, reason, ..
            } if Some(*m) == monitor => Some(Err(reason.clone())),
            _ => {
                let e: ServerEvent = msg.decode()?;
                (e.server == self.server && e.event == *event).then_some(Ok(()))
            }
        });
        match seen {
            Some(Ok(())) => {}
            Some(Err(reason)) => fail(&format!("the server ended with reason `{reason}`")),
            None => fail(&format!("timed out waiting for: {what}")),
        }
    }
}

fn wait_down(mref: MonitorRef) -> ExitReason {
    receive_match(STEP_TIMEOUT, |msg| match msg {
        Message::Down {
            monitor, reason, ..
        } if *monitor == mref => Some(reason.clone()),
        _ => None,
    })
    .unwrap_or_else(|| fail("a monitored client did not end"))
}

fn story(line: &str) {
    println!("demo: {line}");
}

fn check<T>(result: Result<T, hatchery_sdk::Error>, what: &str) -> T {
    result.unwrap_or_else(|err| fail(&format!("{what}: {err}")))
}

fn fail(why: &str) -> ! {
    println!("demo: FAILED: {why}");
    exit(ExitReason::custom(format!("demo failed: {why}")))
}
