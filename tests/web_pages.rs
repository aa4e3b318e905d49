//! A web page the developer has open cannot drive the local API: a cross-site POST, a
//! `text/plain` body and a rebinding `Host` are refused, and lose nothing; the inspector's
//! own requests and non-browser clients still work; `hatchery run` makes a token and the
//! CLI finds it.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use hatchery::http::{HttpConfig, HttpServer};
use hatchery_tests::*;
use serde_json::{Value, json};

/// One request written by hand, so that `Host` and the other headers are exactly as given.
fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

async fn serve(node: &hatchery::Node, allowed: &[&str]) -> HttpServer {
    let config = HttpConfig {
        allowed_hosts: allowed.iter().map(|h| (*h).to_string()).collect(),
        ..HttpConfig::local("127.0.0.1:0".parse().expect("addr"))
    };
    HttpServer::start(node, config).await.expect("serve")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_and_rebinding_hosts_are_refused_and_lose_nothing() {
    let node = node_with(&["idle"]);
    let server = serve(&node, &["node1.test"]).await;
    let addr = server.addr;
    let me = node.spawn_native("test").expect("native");
    let host = addr.to_string();
    let own = format!("http://{host}");
    let send = |n: u32| json!({"to": me.pid().to_string(), "message": {"n": n}}).to_string();
    let json_type = ("Content-Type", "application/json");

    // What a page can send without a preflight: text/plain, a form.
    for kind in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let (status, body) = tokio::task::block_in_place(|| {
            raw(
                addr,
                "POST",
                "/api/send",
                &[("Host", &host), ("Content-Type", kind)],
                &send(1),
            )
        });
        assert_eq!(
            (status, code(&body)),
            (415, "unsupported_media_type"),
            "{kind}: {body}"
        );
    }
    let (status, body) = tokio::task::block_in_place(|| {
        raw(addr, "POST", "/api/send", &[("Host", &host)], &send(1))
    });
    assert_eq!(
        (status, code(&body)),
        (415, "unsupported_media_type"),
        "{body}"
    );

    // A page of another origin, even with a JSON body (were a preflight ever granted).
    for headers in [
        vec![("Origin", "http://evil.example"), json_type],
        vec![("Origin", "null"), json_type],
        vec![("Origin", "http://127.0.0.1:9999"), json_type],
        vec![("Sec-Fetch-Site", "cross-site"), json_type],
        vec![("Sec-Fetch-Site", "same-site"), json_type],
    ] {
        let mut all = vec![("Host", host.as_str())];
        all.extend(headers.iter().copied());
        let (status, body) =
            tokio::task::block_in_place(|| raw(addr, "POST", "/api/send", &all, &send(1)));
        assert_eq!(
            (status, code(&body)),
            (403, "cross_origin"),
            "{headers:?}: {body}"
        );
    }
    let kill = tokio::task::block_in_place(|| {
        raw(
            addr,
            "POST",
            &format!("/api/processes/{}/exit", me.pid().as_u64()),
            &[
                ("Host", &host),
                ("Origin", "http://evil.example"),
                json_type,
            ],
            r#"{"reason": "kill"}"#,
        )
    });
    assert_eq!((kill.0, code(&kill.1)), (403, "cross_origin"), "{}", kill.1);

    // DNS rebinding: the attacker's name in Host, for reads and writes alike.
    for path in ["/api/node", "/api/processes", "/"] {
        let (status, body) =
            tokio::task::block_in_place(|| raw(addr, "GET", path, &[("Host", "evil.example")], ""));
        assert_eq!(
            (status, code(&body)),
            (403, "forbidden_host"),
            "{path}: {body}"
        );
    }
    let port = addr.port();
    let (status, body) = tokio::task::block_in_place(|| {
        raw(
            addr,
            "POST",
            "/api/send",
            &[("Host", &format!("evil.example:{port}")), json_type],
            &send(1),
        )
    });
    assert_eq!((status, code(&body)), (403, "forbidden_host"), "{body}");
    let (status, _) = tokio::task::block_in_place(|| raw(addr, "GET", "/api/node", &[], ""));
    assert_eq!(status, 400, "no Host at all");

    // What still works: the inspector's own origin, localhost, a configured name, and a
    // client that is not a browser (no Origin).
    for headers in [
        vec![
            ("Host", host.as_str()),
            ("Origin", own.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
            json_type,
        ],
        vec![("Host", host.as_str()), json_type],
    ] {
        let (status, body) =
            tokio::task::block_in_place(|| raw(addr, "POST", "/api/send", &headers, &send(2)));
        assert_eq!(status, 202, "{headers:?}: {body}");
    }
    for name in [
        format!("localhost:{port}"),
        format!("node1.test:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) =
            tokio::task::block_in_place(|| raw(addr, "GET", "/api/node", &[("Host", &name)], ""));
        assert_eq!(status, 200, "{name}: {body}");
    }

    // None of the refused requests delivered anything: the first two messages to arrive
    // are the two accepted ones.
    for _ in 0..2 {
        let (_, got): (_, Value) = me
            .recv_json(Some(Duration::from_secs(30)))
            .await
            .expect("alive")
            .expect("a message");
        assert_eq!(got, json!({"n": 2}));
    }
    assert!(
        node.process(me.pid()).is_some(),
        "the refused kill did nothing"
    );
}

#[test]
fn the_cli_makes_a_token_prints_it_in_the_url_and_finds_it_again() {
    let dir = temp_dir("token");
    let module = module_path("idle");
    let mut child = std::process::Command::new(hatchery_bin())
        .args([
            "run",
            module.to_str().expect("utf-8"),
            "--http",
            "127.0.0.1:0",
            "--no-watch",
        ])
        .current_dir(&dir)
        .env_remove("HATCHERY_TOKEN")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("hatchery run");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let line = loop {
        let l = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("an `inspector at` line");
        if l.contains("inspector at") {
            break l;
        }
    };
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("a URL")
        .to_string();
    let (base, token) = url
        .split_once("/#token=")
        .expect("the URL carries the token");
    assert_eq!(token.len(), 32, "{token}");
    let addr: SocketAddr = base.trim_start_matches("http://").parse().expect("address");
    let host = addr.to_string();
    let (status, body) = raw(addr, "GET", "/api/node", &[("Host", &host)], "");
    assert_eq!((status, code(&body)), (401, "unauthorized"), "{body}");
    let bearer = format!("Bearer {token}");
    let (status, _) = raw(
        addr,
        "GET",
        "/api/node",
        &[("Host", &host), ("Authorization", &bearer)],
        "",
    );
    assert_eq!(status, 200);
    let saved = std::fs::read_to_string(dir.join(".hatchery/inspector.token")).expect("token file");
    assert_eq!(saved.trim(), token);
    // `hatchery ps` in the same folder reads the URL and the token `run` wrote.
    let ps = std::process::Command::new(hatchery_bin())
        .arg("ps")
        .current_dir(&dir)
        .env_remove("HATCHERY_TOKEN")
        .env_remove("HATCHERY_NODE")
        .output()
        .expect("hatchery ps");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        ps.status.success(),
        "{}",
        String::from_utf8_lossy(&ps.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ps.stdout).contains("idle"),
        "{}",
        String::from_utf8_lossy(&ps.stdout)
    );
}
