//! OpenTelemetry traces: a followed message leaves the node as spans over OTLP/HTTP, one
//! per hop with the receiver's pid, module and version, each hop's parent the hop that
//! caused it. A stub collector in the test receives them; OpenTelemetry's own protobuf
//! definitions (scripts/otlp/check.py) parse them strictly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hatchery::http::{HttpConfig, HttpServer, otlp};
use hatchery_tests::*;
use serde_json::{Value, json};

/// How long a wait for something the node does on its own may take, on a slow machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// A collector that answers every request `200 {}` and hands over each body with its
/// request line.
fn stub_collector() -> (SocketAddr, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let request = line.trim().to_string();
                    let mut length = 0;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        let h = h.trim();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':')
                            && k.eq_ignore_ascii_case("content-length")
                        {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let _ = tx.send((request, String::from_utf8_lossy(&body).into_owned()));
                    let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                    if conn.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, rx)
}

fn spans_of(body: &Value) -> Vec<Value> {
    body["resourceSpans"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["scopeSpans"].as_array().cloned().unwrap_or_default())
        .flat_map(|s| s["spans"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn attribute<'a>(span: &'a Value, key: &str) -> &'a Value {
    span["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["key"] == key))
        .map_or(&Value::Null, |a| &a["value"])
}

/// Parses the bodies with OpenTelemetry's protobuf definitions; `None` when the checker
/// is not installed (scripts/setup.sh --browser installs it).
fn check_with_protobuf(bodies: &[String]) -> Option<String> {
    let tools = std::env::var("HATCHERY_TOOLS").map_or_else(
        |_| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/hatchery/tools")
        },
        std::path::PathBuf::from,
    );
    let python = tools.join("otlp/bin/python");
    if !python.exists() {
        return None;
    }
    let mut child = Command::new(python)
        .arg(root().join("scripts/otlp/check.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the OTLP check");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for b in bodies {
            stdin.write_all(b.as_bytes()).expect("write");
            stdin.write_all(b"\n").expect("write");
        }
    }
    let out = child.wait_with_output().expect("the OTLP check ran");
    assert!(
        out.status.success(),
        "OpenTelemetry's protobuf definitions refuse the export: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_message_is_exported_as_one_span_per_hop() {
    let (collector, bodies) = stub_collector();
    let node = node_with(&["kv", "probe"]);
    let stats = otlp::export(&node, &format!("http://{collector}")).expect("export");
    assert!(
        otlp::export(&node, &format!("http://{collector}")).is_err(),
        "a node exports to one collector"
    );
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let server = HttpServer::start(
        &node,
        HttpConfig {
            otlp: Some(stats.clone()),
            ..HttpConfig::local(addr)
        },
    )
    .await
    .expect("serve");
    let me = node.spawn_native("test").expect("native");
    let kv = me
        .spawn_json("kv", &json!({"name": "store"}), false, false)
        .expect("kv")
        .pid;
    let probe = Probe::spawn(&me, false, false);

    // http -> probe, which sends on to kv: two hops, the second caused by the first.
    let url = format!("http://{}/api/send", server.addr);
    let body = json!({"to": probe.pid.as_u64(), "message": {"do": {"send": {"to": kv.as_u64(), "msg": "fwd"}}}, "follow": true});
    let sent: Value = tokio::task::spawn_blocking(move || {
        ureq::post(&url)
            .send_json(body)
            .expect("send")
            .into_json()
            .expect("json")
    })
    .await
    .expect("request task");
    assert!(sent["trace"].is_string(), "{sent}");

    let mut received = Vec::new();
    let mut spans = Vec::new();
    let began = Instant::now();
    while spans.len() < 2 {
        assert!(
            began.elapsed() < PATIENCE,
            "the collector got {} spans: {spans:?}",
            spans.len()
        );
        if let Ok((request, body)) = bodies.recv_timeout(Duration::from_millis(200)) {
            assert_eq!(request, "POST /v1/traces HTTP/1.1");
            let v: Value = serde_json::from_str(&body).expect("a JSON body");
            let resource = &v["resourceSpans"][0]["resource"];
            assert!(
                resource["attributes"].as_array().is_some_and(|a| {
                    a.iter().any(|a| {
                        a["key"] == "service.name" && a["value"]["stringValue"] == "hatchery"
                    })
                }),
                "{resource}"
            );
            spans.extend(spans_of(&v));
            received.push(body);
        }
    }
    let to_probe = spans
        .iter()
        .find(|s| attribute(s, "hatchery.pid")["stringValue"] == probe.pid.to_string())
        .expect("the injected message's span");
    let to_kv = spans
        .iter()
        .find(|s| attribute(s, "hatchery.pid")["stringValue"] == kv.to_string())
        .expect("the forwarded message's span");
    assert_eq!(to_probe["traceId"], to_kv["traceId"], "one trace");
    assert_eq!(to_probe["traceId"].as_str().map(str::len), Some(32));
    assert_eq!(to_probe["spanId"].as_str().map(str::len), Some(16));
    assert!(to_probe.get("parentSpanId").is_none(), "{to_probe}");
    assert_eq!(
        to_kv["parentSpanId"], to_probe["spanId"],
        "caused by the first hop"
    );
    assert_eq!(to_kv["name"], "kv receive");
    assert_eq!(attribute(to_kv, "hatchery.module")["stringValue"], "kv");
    assert_eq!(attribute(to_kv, "hatchery.version")["intValue"], "1");
    assert_eq!(
        attribute(to_kv, "hatchery.from")["stringValue"],
        probe.pid.to_string()
    );
    assert_eq!(attribute(to_probe, "hatchery.from")["stringValue"], "http");
    assert_eq!(attribute(to_kv, "hatchery.depth")["intValue"], "1");

    match check_with_protobuf(&received) {
        Some(n) => assert!(n.parse::<usize>().unwrap_or(0) >= 2, "{n}"),
        None => assert!(
            std::env::var_os("HATCHERY_STRICT_LANGUAGES").is_none(),
            "the OTLP check is missing: ./scripts/setup.sh --browser installs it"
        ),
    }
    eventually("the exporter counts what it sent", || {
        stats.exported.load(std::sync::atomic::Ordering::Relaxed) >= 2
    })
    .await;
}

#[test]
fn a_bad_collector_address_is_a_clear_error() {
    for bad in ["https://collector:4318", "collector:4318", "http://"] {
        let e = otlp::traces_url(bad).expect_err(bad).to_string();
        assert!(e.contains("OTLP endpoint"), "{bad}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_across_two_nodes_is_one_trace_at_the_collector() {
    let (collector, bodies) = stub_collector();
    let (ma, mb) = hatchery::dist::loopback::memberships(b"otlp across nodes");
    let with = |m| hatchery::NodeConfig {
        cluster: Some(m),
        ..config()
    };
    let a = node_with_config(with(ma), &["probe"]);
    let b = node_with_config(with(mb), &["probe"]);
    let _link = hatchery::dist::loopback::Loopback::join(&a, &b).expect("joined");
    eventually("b to be connected", || a.nodes() == vec!["b".to_string()]).await;
    for n in [&a, &b] {
        otlp::export(n, &format!("http://{collector}")).expect("export");
    }
    let me_a = a.spawn_native("test").expect("native");
    let me_b = b.spawn_native("test").expect("native");
    let pa = Probe::spawn(&me_a, false, false);
    let pb = Probe::spawn(&me_b, false, false);
    let end = a.spawn_native("end").expect("native");
    a.register("end", end.pid()).expect("register");

    // http -> pa (on a) -> pb (on b, by pid) -> end (on a again, by name: `{end, a}`).
    let back = json!({"do": {"send_named_at": {"to": "end", "node": "a", "msg": "back"}}});
    let first = json!({"do": {"send": {"to": pb.pid.as_u64(), "msg": back}}});
    let id = a
        .inject(pa.pid, first.to_string().into_bytes(), true)
        .expect("a trace");
    assert_eq!(
        end.recv(Some(PATIENCE))
            .await
            .expect("alive")
            .map(|m| m.data.to_vec()),
        Some(b"\"back\"".to_vec())
    );

    // The spans of the three deliveries, from both nodes.
    let pid_is =
        |s: &Value, p: hatchery::Pid| attribute(s, "hatchery.pid")["stringValue"] == p.to_string();
    let mut spans: Vec<(String, Value)> = Vec::new();
    let began = Instant::now();
    let has = |spans: &[(String, Value)], p| spans.iter().any(|(_, s)| pid_is(s, p));
    while !(has(&spans, pa.pid) && has(&spans, pb.pid) && has(&spans, end.pid())) {
        assert!(began.elapsed() < PATIENCE, "the collector got: {spans:?}");
        if let Ok((_, body)) = bodies.recv_timeout(Duration::from_millis(200)) {
            let v: Value = serde_json::from_str(&body).expect("a JSON body");
            let node = v["resourceSpans"][0]["resource"]["attributes"]
                .as_array()
                .and_then(|a| a.iter().find(|a| a["key"] == "service.instance.id"))
                .and_then(|a| a["value"]["stringValue"].as_str())
                .unwrap_or("?")
                .to_string();
            spans.extend(spans_of(&v).into_iter().map(|s| (node.clone(), s)));
        }
    }
    let span = |p| {
        spans
            .iter()
            .find(|(_, s)| pid_is(s, p))
            .cloned()
            .expect("a span")
    };
    let ((na, sa), (nb, sb), (ne, se)) = (span(pa.pid), span(pb.pid), span(end.pid()));
    assert_eq!((na.as_str(), nb.as_str(), ne.as_str()), ("a", "b", "a"));
    // One trace, each delivery the child of the one before, across the nodes.
    assert_eq!(sa["traceId"], sb["traceId"], "{spans:?}");
    assert_eq!(sb["traceId"], se["traceId"], "{spans:?}");
    assert_eq!(sb["parentSpanId"], sa["spanId"], "{spans:?}");
    assert_eq!(se["parentSpanId"], sb["spanId"], "{spans:?}");
    assert_eq!(attribute(&sb, "hatchery.depth")["intValue"], "1");
    assert_eq!(attribute(&se, "hatchery.depth")["intValue"], "2");
    // Span ids differ between the nodes, and no delivery was exported twice.
    let ids: std::collections::HashSet<&Value> = spans.iter().map(|(_, s)| &s["spanId"]).collect();
    assert_eq!(ids.len(), spans.len(), "{spans:?}");

    // a's own record shows where the flow left for b and where it came back.
    let t = a.trace(id).expect("the trace");
    assert!(
        t.hops
            .iter()
            .any(|h| h.to == pb.pid && h.node.as_deref() == Some("b")),
        "{:?}",
        t.hops
    );
    assert!(t.hops.iter().any(|h| h.to == end.pid() && h.depth == 2));
}
