//! The HTTP API: every endpoint, every bad input, the token, the limits.

use std::net::SocketAddr;
use std::time::Duration;

use hatchery::http::{HttpConfig, HttpServer};
use hatchery::{ExitReason, Node, NodeConfig};
use hatchery_tests::*;
use serde_json::{Value, json};

struct Api {
    base: String,
    token: Option<String>,
    _server: HttpServer,
}

struct Answer {
    status: u16,
    body: Value,
    headers: Vec<(String, String)>,
    text: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A 4xx with the stable error shape and this code.
    fn is_error(&self, status: u16, code: &str) -> bool {
        self.status == status
            && self.body["error"]["code"] == json!(code)
            && self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
    }
}

impl Api {
    async fn start(node: &Node, config: HttpConfig) -> Api {
        let token = config.token.clone();
        let server = hatchery::http::HttpServer::start(node, config)
            .await
            .expect("serve");
        Api {
            base: format!("http://{}", server.addr),
            token,
            _server: server,
        }
    }

    async fn local(node: &Node) -> Api {
        Self::start(node, HttpConfig::local(loopback())).await
    }

    async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        self.call_with(method, path, body, self.token.clone()).await
    }

    async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        token: Option<String>,
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let method = method.to_string();
        let body = body.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            let agent = ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(60))
                .build();
            let mut req = agent.request(&method, &url);
            if let Some(t) = token {
                req = req.set("Authorization", &format!("Bearer {t}"));
            }
            let res = match body {
                Some(b) => req.set("Content-Type", "application/json").send_string(&b),
                None => req.call(),
            };
            let res = match res {
                Ok(r) | Err(ureq::Error::Status(_, r)) => r,
                Err(e) => panic!("{method} {url}: {e}"),
            };
            let status = res.status();
            let headers = res
                .headers_names()
                .into_iter()
                .map(|k| {
                    let v = res.header(&k).unwrap_or_default().to_string();
                    (k, v)
                })
                .collect();
            let text = res.into_string().unwrap_or_default();
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            Answer {
                status,
                body,
                headers,
                text,
            }
        })
        .await
        .expect("request task")
    }

    async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    /// Asserts that GET `path` fails with `status` and the error `code`.
    async fn get_fails(&self, path: &str, status: u16, code: &str) {
        let r = self.get(path).await;
        assert!(
            r.is_error(status, code),
            "GET {path}: {} {}",
            r.status,
            r.text
        );
    }

    /// POST that reports a transport error (a connection the server closed) instead of
    /// panicking on it.
    async fn try_post(&self, path: &str, body: &str) -> Result<Answer, String> {
        let url = format!("{}{path}", self.base);
        let body = body.to_string();
        let token = self.token.clone();
        tokio::task::spawn_blocking(move || {
            let mut req = ureq::post(&url).set("Content-Type", "application/json");
            if let Some(t) = token {
                req = req.set("Authorization", &format!("Bearer {t}"));
            }
            match req.send_string(&body) {
                Ok(r) | Err(ureq::Error::Status(_, r)) => {
                    let status = r.status();
                    let text = r.into_string().unwrap_or_default();
                    Ok(Answer {
                        status,
                        body: serde_json::from_str(&text).unwrap_or(Value::Null),
                        headers: Vec::new(),
                        text,
                    })
                }
                Err(e) => Err(e.to_string()),
            }
        })
        .await
        .expect("request task")
    }

    async fn post(&self, path: &str, body: &str) -> Answer {
        self.call("POST", path, Some(body)).await
    }
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().expect("addr")
}

fn small_config() -> NodeConfig {
    NodeConfig {
        max_message_bytes: 4096,
        ..config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_and_the_process_list_filter_sort_and_page() {
    let node = node_with(&["idle", "kv"]);
    let api = Api::local(&node).await;
    let me = node.spawn_native("test").expect("native");
    for _ in 0..5 {
        me.spawn("idle", Vec::new(), false, false).expect("spawn");
    }
    let kv = me
        .spawn_json(
            "kv",
            &json!({"name": "store", "register": true}),
            false,
            false,
        )
        .expect("spawn")
        .pid;
    eventually("kv registers", || node.whereis("store").is_some()).await;

    let n = api.get("/api/node").await;
    assert_eq!(n.status, 200);
    assert_eq!(n.body["processes"], json!(node.process_count()));
    assert!(n.body["stats"]["spawned"].as_u64() >= Some(6));

    let all = api.get("/api/processes").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["total"], json!(node.process_count()));
    let first = &all.body["items"][0];
    for key in [
        "pid",
        "module",
        "version",
        "name",
        "status",
        "kind",
        "mailbox_len",
        "memory_bytes",
        "received",
        "sent",
        "uptime_ms",
        "links",
        "monitors",
    ] {
        assert!(first.get(key).is_some(), "{key} missing from {first}");
    }

    let found = api.get("/api/processes?q=store").await;
    assert_eq!(found.body["total"], 1, "{}", found.text);
    assert_eq!(found.body["items"][0]["pid"], json!(kv.to_string()));
    let by_module = api.get("/api/processes?q=idle").await;
    assert_eq!(by_module.body["total"], 5);

    // By pid means in the order spawned (pids are numbers in no order): the test's own
    // process first, the kv server last; descending, the kv server first.
    let listed: Vec<Value> = all.body["items"].as_array().expect("items").clone();
    assert_eq!(listed[0]["pid"], json!(me.pid().to_string()));
    assert_eq!(listed[listed.len() - 1]["pid"], json!(kv.to_string()));
    let desc = api.get("/api/processes?sort=pid&order=desc&limit=2").await;
    let pids: Vec<&Value> = desc.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| &p["pid"])
        .collect();
    assert_eq!(
        pids,
        [
            &listed[listed.len() - 1]["pid"],
            &listed[listed.len() - 2]["pid"]
        ]
    );
    let page = api.get("/api/processes?offset=1&limit=1").await;
    assert_eq!(page.body["items"][0]["pid"], all.body["items"][1]["pid"]);
    for key in [
        "module", "name", "mailbox", "memory", "cpu", "received", "sent", "uptime",
    ] {
        let r = api.get(&format!("/api/processes?sort={key}")).await;
        assert_eq!(r.status, 200, "sort={key}");
    }

    for bad in [
        "/api/processes?sort=colour",
        "/api/processes?order=sideways",
        "/api/processes?limit=-1",
        "/api/processes?offset=x",
    ] {
        assert!(api.get(bad).await.is_error(400, "bad_request"), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_shows_links_monitors_mailbox_output_and_its_exit() {
    let node = node_with(&["probe", "idle"]);
    let api = Api::local(&node).await;
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, true, true);
    // Queue messages it will not read yet, and make it print.
    probe
        .run(&me, json!({"print": "hello from the probe"}))
        .await;
    let idle = me
        .spawn("idle", Vec::new(), false, false)
        .expect("spawn")
        .pid;
    probe.run(&me, json!({"monitor": idle.as_u64()})).await;
    node.send(me.pid(), probe.pid, br#"{"queued": 1}"#.to_vec());
    eventually("queued", || {
        node.process(probe.pid)
            .is_some_and(|p| !p.mailbox.is_empty())
    })
    .await;

    let d = api
        .get(&format!("/api/processes/{}", probe.pid.as_u64()))
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["pid"], json!(probe.pid.to_string()));
    assert_eq!(d.body["links"], json!([me.pid().to_string()]));
    assert_eq!(
        d.body["monitored_by"][0]["pid"],
        json!(me.pid().to_string())
    );
    assert_eq!(d.body["monitors"][0]["pid"], json!(idle.to_string()));
    assert_eq!(d.body["mailbox"][0]["json"], json!({"queued": 1}));
    assert_eq!(d.body["version"], 1);
    assert!(d.body["memory_bytes"].as_u64() > Some(0));
    assert!(
        d.body["output"]
            .as_array()
            .expect("output")
            .iter()
            .any(|l| l["text"] == "hello from the probe"),
        "{}",
        d.text
    );
    // The same by its printed form.
    let by_text = api
        .get(&format!("/api/processes/%3C0.{}%3E", probe.pid.as_u64()))
        .await;
    assert_eq!(by_text.body["pid"], d.body["pid"]);

    node.exit_signal(me.pid(), idle, &ExitReason::Killed, true)
        .expect("kill");
    exit_of(&node, idle).await;
    let dead = api.get(&format!("/api/processes/{}", idle.as_u64())).await;
    assert_eq!(dead.status, 200);
    assert_eq!(dead.body["status"], "exited");
    assert_eq!(dead.body["last_exit"]["reason"], "killed");

    api.get_fails("/api/processes/999999", 404, "not_found")
        .await;
    api.get_fails("/api/processes/banana", 400, "bad_request")
        .await;
    api.get_fails("/api/processes/0", 400, "bad_request").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_messages_arrive_and_can_be_followed() {
    let node = node_with_config(small_config(), &["kv", "probe"]);
    let api = Api::local(&node).await;
    let me = node.spawn_native("test").expect("native");
    let kv = me
        .spawn_json(
            "kv",
            &json!({"name": "store", "register": true}),
            false,
            false,
        )
        .expect("spawn")
        .pid;
    eventually("kv registers", || node.whereis("store").is_some()).await;

    // A cast by name, then a call whose reply goes to our native process: the flow is
    // http -> kv (the cast is handled), me -> kv -> me.
    let sent = api
        .post(
            "/api/send",
            r#"{"to": "store", "message": {"$cast": {"store": {"key": "a", "value": 1}}}, "follow": true}"#,
        )
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    assert_eq!(sent.body["to"], json!(kv.to_string()));
    assert!(
        sent.body["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("m-"))
    );
    let trace = sent.body["trace"].as_str().expect("a trace id").to_string();
    let t = api.get(&format!("/api/traces/{trace}")).await;
    assert_eq!(t.status, 200);
    assert_eq!(t.body["hops"][0]["from"], "http");
    assert_eq!(t.body["hops"][0]["to"], json!(kv.to_string()));

    // By pid (both spellings), without follow.
    for to in [json!(kv.as_u64()), json!(kv.to_string())] {
        let r = api
            .post(
                "/api/send",
                &json!({"to": to, "message": "ping"}).to_string(),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        assert!(r.body["trace"].is_null());
    }
    eventually("kv got three messages", || {
        node.process(kv).is_some_and(|p| {
            p.counters
                .received
                .load(std::sync::atomic::Ordering::Relaxed)
                >= 3
        })
    })
    .await;

    // A followed message to a probe that forwards: the consequence is recorded one
    // level down.
    let probe = Probe::spawn(&me, false, false);
    let r = api
        .post(
            "/api/send",
            &json!({"to": probe.pid.as_u64(), "message": {"do": {"send": {"to": kv.as_u64(), "msg": "fwd"}}}, "follow": true})
                .to_string(),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let trace = r.body["trace"].as_str().expect("trace").to_string();
    let mut hops = Vec::new();
    for _ in 0..300 {
        hops = api.get(&format!("/api/traces/{trace}")).await.body["hops"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if hops.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        hops.iter()
            .any(|h| h["from"] == json!(probe.pid.to_string()) && h["depth"] == 1),
        "the probe's send is part of the flow: {hops:?}"
    );
    // The probe reports the step's result after the send: a message of its own, to be
    // counted before the count below starts.
    assert_eq!(probe.result(&me).await, json!("ok"));

    // Bad input: each a clear 4xx, nothing delivered.
    let before = node.stats().sent.load(std::sync::atomic::Ordering::Relaxed);
    let cases: Vec<(&str, u16, &str)> = vec![
        ("{not json", 400, "bad_request"),
        ("", 400, "bad_request"),
        ("[1, 2]", 400, "bad_request"),
        (r#"{"message": 1}"#, 400, "bad_request"),
        (r#"{"to": "store"}"#, 400, "bad_request"),
        (r#"{"to": true, "message": 1}"#, 400, "bad_request"),
        (
            r#"{"to": "store", "message": 1, "follow": "yes"}"#,
            400,
            "bad_request",
        ),
        (r#"{"to": "nobody", "message": 1}"#, 404, "not_found"),
        (r#"{"to": "<0.999999>", "message": 1}"#, 404, "not_found"),
    ];
    for (body, status, code) in cases {
        let r = api.post("/api/send", body).await;
        assert!(r.is_error(status, code), "{body}: {} {}", r.status, r.text);
    }
    let big = json!({"to": "store", "message": "x".repeat(5000)}).to_string();
    assert!(api.post("/api/send", &big).await.is_error(413, "too_large"));
    // A body over the 1 MiB cap is refused before it is read: the client gets the 413, or,
    // when the server closed the connection while the client was still writing, a
    // broken pipe. Either way nothing is delivered.
    let huge = json!({"to": "store", "message": "x".repeat(2 << 20)}).to_string();
    match api.try_post("/api/send", &huge).await {
        Ok(r) => assert!(r.is_error(413, "too_large"), "{} {}", r.status, r.text),
        Err(e) => assert!(
            e.contains("Broken pipe") || e.contains("reset"),
            "a refused 2 MiB body: {e}"
        ),
    }
    assert_eq!(
        node.stats().sent.load(std::sync::atomic::Ordering::Relaxed),
        before,
        "no bad request delivered anything"
    );
    api.get_fails("/api/traces/t-999999", 404, "not_found")
        .await;
    api.get_fails("/api/traces/xyz", 400, "bad_request").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_process_is_spawned_injected_into_and_shown_like_any_other() {
    // The JavaScript counter server of the conformance suite: a component.
    if !hatchery_tests::guest_built("conf_js_server") {
        return;
    }
    let node = node_with(&["conf_js_server"]);
    let api = Api::local(&node).await;
    let spawned = api
        .post("/api/spawn", r#"{"module": "conf_js_server"}"#)
        .await;
    assert_eq!(spawned.status, 201, "{}", spawned.text);
    let pid = spawned.body["pid"].as_str().expect("pid").to_string();
    let id: u64 = pid
        .trim_start_matches("<0.")
        .trim_end_matches('>')
        .parse()
        .expect("pid");
    for n in [5, 7] {
        let sent = api
            .post(
                "/api/send",
                &json!({"to": pid, "message": {"$cast": n}}).to_string(),
            )
            .await;
        assert_eq!(sent.status, 202, "{}", sent.text);
    }
    let me = node.spawn_native("test").expect("native");
    me.send_json(
        hatchery::Pid(id),
        &json!({"$call": {"ref": 9, "req": "get"}}),
    );
    let reply = hatchery_tests::recv_json_where(&me, |v| v["$reply"]["ref"] == json!(9)).await;
    assert_eq!(
        reply["$reply"]["value"],
        json!(12),
        "the injected casts arrived"
    );
    let page = api.get(&format!("/api/processes/{id}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["module"], "conf_js_server", "{}", page.text);
    assert!(
        page.body["memory_bytes"].as_u64() > Some(0),
        "{}",
        page.text
    );
    let modules = api.get("/api/modules").await;
    let m = modules.body["items"]
        .as_array()
        .and_then(|a| a.iter().find(|m| m["name"] == "conf_js_server").cloned());
    let m = m.unwrap_or_else(|| panic!("no conf_js_server in {}", modules.text));
    assert_eq!(
        (m["format"].as_str(), m["kind"].as_str()),
        (Some("component"), Some("behaviour")),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_signals_and_spawn() {
    let node = node_with(&["idle"]);
    let api = Api::local(&node).await;
    let spawned = api.post("/api/spawn", r#"{"module": "idle"}"#).await;
    assert_eq!(spawned.status, 201, "{}", spawned.text);
    let pid = spawned.body["pid"].as_str().expect("pid").to_string();
    let id: u64 = pid
        .trim_start_matches("<0.")
        .trim_end_matches('>')
        .parse()
        .expect("pid");
    let killed = api
        .post(
            &format!("/api/processes/{id}/exit"),
            r#"{"reason": "kill"}"#,
        )
        .await;
    assert_eq!(killed.status, 202, "{}", killed.text);
    assert_eq!(
        exit_of(&node, hatchery::Pid(id)).await.reason,
        ExitReason::Killed
    );

    let other = api
        .post("/api/spawn", r#"{"module": "idle", "args": {"x": 1}}"#)
        .await;
    let pid = other.body["pid"].as_str().expect("pid").to_string();
    let r = api
        .post(
            &format!(
                "/api/processes/{}/exit",
                pid.replace('<', "%3C").replace('>', "%3E")
            ),
            r#"{"reason": "enough"}"#,
        )
        .await;
    assert_eq!(r.status, 202);
    let id: u64 = pid
        .trim_start_matches("<0.")
        .trim_end_matches('>')
        .parse()
        .expect("pid");
    assert_eq!(
        exit_of(&node, hatchery::Pid(id)).await.reason,
        ExitReason::custom("enough")
    );

    assert!(
        api.post("/api/spawn", r#"{"module": "nope"}"#)
            .await
            .is_error(404, "not_found")
    );
    assert!(
        api.post("/api/spawn", r#"{}"#)
            .await
            .is_error(400, "bad_request")
    );
    assert!(
        api.post("/api/spawn", "]")
            .await
            .is_error(400, "bad_request")
    );
    assert!(
        api.post("/api/processes/999999/exit", r#"{"reason": "kill"}"#)
            .await
            .is_error(404, "not_found")
    );
    assert!(
        api.post("/api/processes/5/exit", r#"{"reason": 7}"#)
            .await
            .is_error(400, "bad_request")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_reload_and_rollback_over_http() {
    let dir = temp_dir("http-swap");
    let file = dir.join("counter.wasm");
    std::fs::copy(module_path("counter"), &file).expect("copy");
    let node = Node::new(config()).expect("node");
    node.load_module_file(&file).expect("load");
    let api = Api::local(&node).await;
    let me = node.spawn_native("test").expect("native");
    me.spawn_json("counter", &json!({"name": "c"}), false, false)
        .expect("spawn");

    let m = api.get("/api/modules").await;
    let counter = &m.body["items"][0];
    assert_eq!(counter["name"], "counter");
    assert_eq!(
        (counter["current"].clone(), counter["kind"].clone()),
        (json!(1), json!("behaviour"))
    );
    assert_eq!(counter["upgradable"], true);

    // Unchanged bytes: no new version.
    let same = api.post("/api/modules/counter/reload", "").await;
    assert_eq!(same.status, 200, "{}", same.text);
    assert_eq!(same.body["unchanged"], true);

    std::fs::copy(module_path("counter_v2"), &file).expect("copy");
    let r = api.post("/api/modules/counter/reload", "").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.body["outcome"]["to"].clone(),
            r.body["outcome"]["upgraded"].clone()
        ),
        (json!(2), json!(1))
    );
    let back = api.post("/api/modules/counter/rollback", "").await;
    assert_eq!(back.body["outcome"]["to"], 1, "{}", back.text);
    let m = api.get("/api/modules").await;
    assert_eq!(
        m.body["items"][0]["history"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(m.body["items"][0]["processes"], json!({"1": 1}));

    // A path to another file of this module.
    let other = dir.join("elsewhere");
    std::fs::create_dir_all(&other).expect("dir");
    let v2 = other.join("counter.wasm");
    std::fs::copy(module_path("counter_v2"), &v2).expect("copy");
    let r = api
        .post(
            "/api/modules/counter/reload",
            &json!({"path": v2.display().to_string()}).to_string(),
        )
        .await;
    assert_eq!(r.body["outcome"]["to"], 3, "{}", r.text);

    // Bad input.
    std::fs::write(&file, b"garbage").expect("write");
    let at_file = json!({"path": file.display().to_string()}).to_string();
    let bad = api.post("/api/modules/counter/reload", &at_file).await;
    assert!(bad.is_error(422, "invalid_module"), "{}", bad.text);
    assert!(
        bad.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a valid WebAssembly module"))
    );
    assert!(
        api.post("/api/modules/nope/reload", "")
            .await
            .is_error(404, "not_found")
    );
    assert!(
        api.post("/api/modules/nope/rollback", "")
            .await
            .is_error(404, "not_found")
    );
    let wrong_name = json!({"path": "/etc/passwd"}).to_string();
    assert!(
        api.post("/api/modules/counter/reload", &wrong_name)
            .await
            .is_error(400, "bad_request")
    );
    let missing = json!({"path": dir.join("gone/counter.wasm").display().to_string()}).to_string();
    assert!(
        api.post("/api/modules/counter/reload", &missing)
            .await
            .is_error(404, "not_found")
    );
    let m = api.get("/api/modules").await;
    assert_eq!(
        m.body["items"][0]["current"], 3,
        "bad input changed nothing"
    );

    let single = temp_dir("http-single");
    let f = single.join("solo.wasm");
    std::fs::copy(module_path("idle"), &f).expect("copy");
    node.load_module_file(&f).expect("load");
    assert!(
        api.post("/api/modules/solo/rollback", "")
            .await
            .is_error(409, "conflict")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tree_and_the_crash_log() {
    use hatchery::supervisor::{
        ChildSpec, ChildStart, Restart, Shutdown, Strategy, SupervisorSpec,
    };
    let log = temp_dir("http-crash").join("crash.log");
    let node = node_with_config(
        NodeConfig {
            crash_log: Some(log),
            ..config()
        },
        &["kv", "idle"],
    );
    let api = Api::local(&node).await;
    let me = node.spawn_native("test").expect("native");
    let worker = |id: &str, module: &str, args: &[u8]| ChildSpec {
        shutdown: Shutdown::BrutalKill,
        ..ChildSpec::worker(id, module, args.to_vec())
    };
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 10,
        period: Duration::from_secs(10),
        children: vec![
            worker("kv", "kv", br#"{"name": "kv", "register": true}"#),
            ChildSpec {
                id: "inner".into(),
                start: ChildStart::Supervisor(SupervisorSpec {
                    strategy: Strategy::RestForOne,
                    intensity: 10,
                    period: Duration::from_secs(10),
                    children: vec![worker("w", "idle", b"")],
                }),
                restart: Restart::Permanent,
                shutdown: Shutdown::Infinity,
            },
        ],
    };
    let sup = node.start_supervisor(spec, Some(me.pid())).expect("sup");
    let t = api.get("/api/tree").await;
    assert_eq!(t.status, 200);
    let root = &t.body["roots"][0];
    assert_eq!(root["pid"], json!(sup.to_string()));
    assert_eq!(root["strategy"], "one_for_one");
    assert_eq!(root["children"][0]["id"], "kv");
    assert_eq!(root["children"][1]["strategy"], "rest_for_one");
    assert_eq!(root["children"][1]["children"][0]["id"], "w");

    // Crash the kv through the API; the log and the tree show it.
    eventually("kv registers", || node.whereis("kv").is_some()).await;
    let old = node.whereis("kv").expect("kv");
    let r = api
        .post(
            "/api/send",
            r#"{"to": "kv", "message": {"$call": {"ref": 1, "req": {"lookup": "crash"}}}}"#,
        )
        .await;
    assert_eq!(r.status, 202);
    eventually("kv restarted", || {
        node.whereis("kv").is_some_and(|p| p != old)
    })
    .await;
    // The new kv may register before its supervisor has written its report: wait for it.
    let start = std::time::Instant::now();
    let c = loop {
        let c = api.get("/api/crashes?limit=10").await;
        assert_eq!(c.status, 200);
        let items = c.body["items"].as_array().expect("items");
        if items
            .iter()
            .any(|i| i["kind"] == "supervisor" && i["action"] == "restarted")
        {
            break c;
        }
        assert!(start.elapsed() < WAIT, "no restart report: {}", c.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let items = c.body["items"].as_array().expect("items");
    assert!(
        items
            .iter()
            .any(|i| i["kind"] == "crash" && i["pid"] == json!(old.to_string())),
        "{}",
        c.text
    );
    let t = api.get("/api/tree").await;
    assert_eq!(t.body["roots"][0]["restarts_of_children"], 1);
    assert_eq!(t.body["roots"][0]["children"][0]["restarts"], 1, "kv");
    assert_eq!(t.body["roots"][0]["children"][1]["restarts"], 0, "inner");
    api.get_fails("/api/crashes?limit=many", 400, "bad_request")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_reports_events_and_stats() {
    let node = node_with(&["noop"]);
    let api = Api::local(&node).await;
    let url = format!("{}/api/events", api.base);
    let n2 = node.clone();
    let reader = tokio::task::spawn_blocking(move || {
        use std::io::{BufRead, BufReader};
        let res = ureq::get(&url).call().expect("events");
        assert_eq!(res.header("content-type"), Some("text/event-stream"));
        let mut lines = BufReader::new(res.into_reader()).lines();
        let mut kinds = Vec::new();
        let mut stats = Value::Null;
        let mut spawned_once = false;
        while let Some(Ok(line)) = lines.next() {
            if let Some(d) = line.strip_prefix("data: ")
                && kinds.last().is_some_and(|k| k == "stats")
            {
                stats = serde_json::from_str(d).unwrap_or(Value::Null);
            }
            if let Some(k) = line.strip_prefix("event: ") {
                kinds.push(k.to_string());
                if !spawned_once {
                    spawned_once = true;
                    let me = n2.spawn_native("t").expect("native");
                    me.spawn("noop", Vec::new(), false, false).expect("spawn");
                }
            }
            if ["spawned", "exited"]
                .iter()
                .all(|k| kinds.iter().any(|x| x == k))
                && !stats.is_null()
            {
                return (kinds, stats);
            }
        }
        (kinds, stats)
    });
    let (kinds, stats) = tokio::time::timeout(WAIT, reader)
        .await
        .expect("events within the wait")
        .expect("reader");
    assert!(kinds.iter().any(|k| k == "spawned"), "{kinds:?}");
    assert!(kinds.iter().any(|k| k == "exited"), "{kinds:?}");
    // The same figures as a point of the node's history (`GET /api/history`).
    for field in [
        "processes",
        "messages_per_sec",
        "mailbox_messages",
        "restarts",
        "swaps",
        "guest_memory_bytes",
    ] {
        assert!(stats[field].is_number(), "{field} in {stats}");
    }
    assert!(stats["cpu_per_worker"].is_array(), "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_loopback_needs_a_token_and_the_token_is_checked() {
    let node = node_with(&["idle"]);
    let open: SocketAddr = "0.0.0.0:0".parse().expect("addr");
    let err = hatchery::http::HttpServer::start(&node, HttpConfig::local(open))
        .await
        .err()
        .expect("refused without a token")
        .to_string();
    assert!(err.contains("without a token"), "{err}");

    let api = Api::start(
        &node,
        HttpConfig {
            token: Some("s3cret".into()),
            ..HttpConfig::local(open)
        },
    )
    .await;
    let api = Api {
        base: api.base.replace("0.0.0.0", "127.0.0.1"),
        ..api
    };
    assert_eq!(api.get("/api/node").await.status, 200);
    let none = api.call_with("GET", "/api/node", None, None).await;
    assert!(none.is_error(401, "unauthorized"));
    let wrong = api
        .call_with("GET", "/api/node", None, Some("guess".into()))
        .await;
    assert!(wrong.is_error(401, "unauthorized"));
    let q = api
        .call_with("GET", "/api/node?token=s3cret", None, None)
        .await;
    assert_eq!(q.status, 200);
    // The UI's files carry no data: they load without the token (the UI then asks for it).
    let ui = api.call_with("GET", "/", None, None).await;
    assert_eq!(ui.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_rate_limited_per_client() {
    let node = node_with(&["idle"]);
    let api = Api::start(
        &node,
        HttpConfig {
            rate_per_sec: 5,
            ..HttpConfig::local(loopback())
        },
    )
    .await;
    let mut limited = None;
    for _ in 0..40 {
        let r = api.get("/api/node").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("a burst past twice the rate is refused");
    assert!(r.is_error(429, "rate_limited"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_is_served_with_a_strict_policy_and_the_api_is_described() {
    let node = node_with(&["idle"]);
    let api = Api::local(&node).await;
    let index = api.get("/").await;
    assert_eq!(index.status, 200);
    assert!(index.text.contains("/ui/app.js"));
    let csp = index.header("content-security-policy").expect("csp");
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    let js = api.get("/ui/app.js").await;
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .is_some_and(|t| t.starts_with("text/javascript"))
    );
    assert_eq!(api.get("/ui/nothing.js").await.status, 404);
    api.get_fails("/api/nothing", 404, "not_found").await;

    let doc = api.get("/api/openapi.json").await;
    assert_eq!(doc.body["openapi"], "3.1.0");
    for path in [
        "/api/node",
        "/api/processes",
        "/api/processes/{pid}",
        "/api/processes/{pid}/exit",
        "/api/send",
        "/api/spawn",
        "/api/modules",
        "/api/modules/{name}/reload",
        "/api/modules/{name}/rollback",
        "/api/tree",
        "/api/crashes",
        "/api/traces/{id}",
        "/api/events",
    ] {
        assert!(doc.body["paths"].get(path).is_some(), "{path} undocumented");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_garbage_gets_a_server_error() {
    let node = node_with(&["idle"]);
    let api = Api::local(&node).await;
    let bodies = [
        "",
        "{",
        "null",
        "[]",
        "\"x\"",
        "{\"to\": {}}",
        "{\"reason\": null}",
        "\u{0}\u{1}",
        "{\"module\": 5}",
        "{\"path\": 5}",
    ];
    let paths = [
        "/api/send",
        "/api/spawn",
        "/api/processes/1/exit",
        "/api/processes/x/exit",
        "/api/modules/idle/reload",
        "/api/modules/%00/rollback",
        "/api/processes/%FF",
    ];
    for p in paths {
        for b in bodies {
            let r = api.post(p, b).await;
            assert!(
                (400..500).contains(&r.status) || r.status == 200 || r.status == 202,
                "POST {p} {b:?}: {} {}",
                r.status,
                r.text
            );
            if r.status >= 400 {
                assert!(
                    r.body["error"]["code"].is_string(),
                    "POST {p} {b:?}: {}",
                    r.text
                );
            }
        }
    }
    for p in [
        "/api/processes?limit=99999999999999999999",
        "/api/processes?q=%ZZ",
        "/api/traces/t-",
        "/api/processes/18446744073709551615",
    ] {
        let r = api.get(p).await;
        assert!(
            (200..500).contains(&r.status),
            "GET {p}: {} {}",
            r.status,
            r.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nodes_view_lists_the_cluster_and_the_links_and_monitors_across_it() {
    let alone = node_with(&[]);
    let api = Api::local(&alone).await;
    let r = api.get("/api/nodes").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"node": "nonode", "slot": null, "nodes": []}));

    let (ma, mb) = hatchery::dist::loopback::memberships(b"http nodes");
    let with = |m| NodeConfig {
        cluster: Some(m),
        ..config()
    };
    let a = node_with_config(with(ma), &[]);
    let b = node_with_config(with(mb), &[]);
    let _link = hatchery::dist::loopback::Loopback::join(&a, &b).expect("joined");
    let api = Api::local(&a).await;
    let x = a.spawn_native("x").expect("x");
    let y = b.spawn_native("y").expect("y");
    x.link(y.pid()).expect("linked");
    let r = x.monitor(y.pid());
    let watcher = b.spawn_native("w").expect("w");
    watcher.monitor(x.pid());
    eventually("the link and monitors to reach both nodes", || {
        b.process(y.pid())
            .is_some_and(|p| p.links() == vec![x.pid()])
            && a.process(x.pid())
                .is_some_and(|p| p.monitored_by().len() == 1)
    })
    .await;
    let answer = api.get("/api/nodes").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let v = &answer.body;
    assert_eq!(
        (v["node"].clone(), v["slot"].clone()),
        (json!("a"), json!(1))
    );
    let peer = &v["nodes"][0];
    assert_eq!(peer["name"], "b");
    assert_eq!(peer["up"], true);
    assert_eq!(peer["connected"], true);
    let counts = (&peer["links"], &peer["monitors"], &peer["monitored_by"]);
    assert_eq!(counts, (&json!(1), &json!(1), &json!(1)), "{v}");
    let mut kinds: Vec<(String, String, String)> = peer["relations"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (s("kind"), s("local"), s("remote"))
        })
        .collect();
    kinds.sort();
    let (xs, ys, ws) = (
        x.pid().to_string(),
        format!("<b.{}>", y.pid().0),
        format!("<b.{}>", watcher.pid().0),
    );
    assert_eq!(
        kinds,
        vec![
            ("link".into(), xs.clone(), ys.clone()),
            ("monitor".into(), xs.clone(), ys.clone()),
            ("monitored_by".into(), xs.clone(), ws),
        ]
    );
    // The process page prints the other node's pids with their node, and reads them back.
    let page = api.get(&format!("/api/processes/{}", x.pid().0)).await;
    assert_eq!(page.body["links"], json!([ys]));
    assert_eq!(page.body["monitors"], json!([{"ref": r, "pid": ys}]));
    let there = api
        .get(&format!(
            "/api/processes/{}",
            ys.replace('<', "%3C").replace('>', "%3E")
        ))
        .await;
    assert_eq!(
        there.status, 404,
        "another node's process is not here: {}",
        there.text
    );
}
