//! The CLI commands that talk to a running node over its HTTP API: `send`, `ps`, `load`,
//! `rollback` (and the way to reach a node that `top` shares).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};

/// Where `run` writes the address of its HTTP API, for these commands to find.
pub const URL_FILE: &str = ".hatchery/inspector.url";

/// Where `run` writes its API's token (readable by its user only), beside [`URL_FILE`].
pub const TOKEN_FILE: &str = ".hatchery/inspector.token";

/// A new random token: 128 bits from the kernel, in hex.
///
/// # Errors
///
/// When the kernel's random source cannot be read.
pub fn new_token() -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom for the HTTP API's token")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes the URL (and the token, or removes an old one) for the commands below; a
/// failure only means they need `--node` and `--token`.
pub fn remember(url: &str, token: Option<&str>) {
    if let Some(dir) = Path::new(URL_FILE).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::remove_file(TOKEN_FILE);
    if let Some(t) = token {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(TOKEN_FILE)
            .and_then(|mut f| writeln!(f, "{t}"));
        if let Err(e) = written {
            eprintln!(
                "hatchery: warning: cannot write {TOKEN_FILE} ({e}); CLI commands need --token"
            );
        }
    }
    let _ = std::fs::write(URL_FILE, format!("{url}\n"));
}

/// How to reach a node.
#[derive(Args, Clone)]
pub struct NodeArgs {
    /// The node's HTTP API [default: $HATCHERY_NODE, else the address the last
    /// `hatchery run` in this folder wrote to .hatchery/inspector.url, else
    /// http://127.0.0.1:7780].
    #[arg(long)]
    node: Option<String>,
    /// The node's token [default: $HATCHERY_TOKEN, else, for the node of
    /// .hatchery/inspector.url, the token `hatchery run` wrote beside it].
    #[arg(long)]
    token: Option<String>,
}

/// Why a request to a node failed, for callers that tell the cases apart (`top`).
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The node answered with an error status.
    #[error("{message}")]
    Answer { status: u16, message: String },
    /// No answer: the connection failed or timed out.
    #[error("cannot reach the node at {url}: {reason} (is `hatchery run` going? pass --node URL)")]
    Unreachable { url: String, reason: String },
}

impl NodeArgs {
    /// The node at `node` (default as for `--node`), reached with `token` (default as for
    /// `--token`).
    pub fn new(node: Option<String>, token: Option<String>) -> Self {
        Self { node, token }
    }

    /// The node's URL, and whether it was named explicitly (not read from the file).
    fn target(&self) -> (String, bool) {
        let named = self
            .node
            .clone()
            .or_else(|| std::env::var("HATCHERY_NODE").ok());
        let explicit = named.is_some();
        let url = named
            .or_else(|| {
                std::fs::read_to_string(URL_FILE)
                    .ok()
                    .map(|s| s.trim().to_string())
            })
            .unwrap_or_else(|| "http://127.0.0.1:7780".into());
        (url.trim_end_matches('/').to_string(), explicit)
    }

    /// The node's URL, without a trailing `/`.
    pub fn base(&self) -> String {
        self.target().0
    }

    /// The token to send. One from the environment goes only to a node named explicitly
    /// or on this machine: a URL file in the working folder could point anywhere.
    fn token(&self) -> Option<String> {
        if let Some(t) = &self.token {
            return Some(t.clone());
        }
        let (url, explicit) = self.target();
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| url.starts_with(p));
        if let Some(t) = std::env::var("HATCHERY_TOKEN")
            .ok()
            .filter(|t| !t.is_empty() && (explicit || local))
        {
            return Some(t);
        }
        // The token file belongs to the node of the URL file only.
        let remembered = std::fs::read_to_string(URL_FILE).ok()?;
        if remembered.trim().trim_end_matches('/') != url {
            return None;
        }
        std::fs::read_to_string(TOKEN_FILE)
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// One request; the JSON answer, or the API's error message as the error.
    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        self.request_within(method, path, body, Duration::from_secs(60))
    }

    /// One request that gives up after `timeout`; the JSON answer, or a [`RequestError`]
    /// (or a reply that is not JSON) as the error.
    pub fn request_within(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base());
        let agent = ureq::AgentBuilder::new().timeout(timeout).build();
        let mut req = agent.request(method, &url);
        if let Some(t) = self.token() {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let res = match body {
            Some(b) => req.send_json(b.clone()),
            None => req.call(),
        };
        match res {
            Ok(r) => r.into_json().context("the node's answer is not JSON"),
            Err(ureq::Error::Status(code, r)) => {
                let v: Value = r.into_json().unwrap_or(Value::Null);
                let msg = v["error"]["message"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("HTTP {code}"));
                Err(RequestError::Answer {
                    status: code,
                    message: msg,
                }
                .into())
            }
            Err(e) => Err(RequestError::Unreachable {
                url: self.base(),
                reason: e.to_string(),
            }
            .into()),
        }
    }
}

#[derive(Args)]
pub struct SendArgs {
    /// The receiver: a pid (<0.12> or 12) or a registered name.
    to: String,
    /// The message, as JSON text.
    message: String,
    /// Follow the message: print the flow of messages it sets off.
    #[arg(long)]
    follow: bool,
    #[command(flatten)]
    node: NodeArgs,
}

pub fn send(args: &SendArgs) -> anyhow::Result<ExitCode> {
    let message: Value = serde_json::from_str(&args.message)
        .with_context(|| format!("the message is not valid JSON: {}", args.message))?;
    let answer = args.node.request(
        "POST",
        "/api/send",
        Some(&json!({"to": args.to, "message": message, "follow": args.follow})),
    )?;
    println!(
        "sent {} to {}",
        answer["id"].as_str().unwrap_or("?"),
        answer["to"].as_str().unwrap_or("?")
    );
    if let Some(trace) = answer["trace"].as_str() {
        std::thread::sleep(Duration::from_millis(500));
        let t = args
            .node
            .request("GET", &format!("/api/traces/{trace}"), None)?;
        for h in t["hops"].as_array().into_iter().flatten() {
            println!(
                "  {:>8} µs  {} -> {}  {}",
                h["at_us"],
                h["from"].as_str().unwrap_or("?"),
                h["to"].as_str().unwrap_or("?"),
                h["preview"].as_str().unwrap_or("")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct PsArgs {
    /// Only processes whose pid, module or name contains this.
    #[arg(long, short)]
    q: Option<String>,
    /// Sort by pid, module, name, mailbox, memory, received, sent or uptime.
    #[arg(long, default_value = "pid")]
    sort: String,
    /// Largest first.
    #[arg(long)]
    desc: bool,
    /// At most this many rows.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Print the API's JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    node: NodeArgs,
}

pub fn ps(args: &PsArgs) -> anyhow::Result<ExitCode> {
    let mut path = format!(
        "/api/processes?sort={}&order={}&limit={}",
        enc(&args.sort),
        if args.desc { "desc" } else { "asc" },
        args.limit
    );
    if let Some(q) = &args.q {
        path.push_str(&format!("&q={}", enc(q)));
    }
    let v = args.node.request("GET", &path, None)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<10} {:<20} {:<22} {:<8} {:>7} {:>10} {:>9} {:>9}",
        "PID", "NAME", "MODULE", "STATUS", "MAILBOX", "MEMORY", "RECEIVED", "SENT"
    );
    for p in v["items"].as_array().into_iter().flatten() {
        let module = match p["version"].as_u64() {
            Some(v) if v > 0 => format!("{}@{v}", p["module"].as_str().unwrap_or("")),
            _ => p["module"].as_str().unwrap_or("").to_string(),
        };
        let n = |k: &str| p[k].as_u64().unwrap_or(0).to_string();
        println!(
            "{:<10} {:<20} {:<22} {:<8} {:>7} {:>10} {:>9} {:>9}",
            p["pid"].as_str().unwrap_or(""),
            p["name"].as_str().unwrap_or("-"),
            module,
            p["status"].as_str().unwrap_or(""),
            n("mailbox_len"),
            n("memory_bytes"),
            n("received"),
            n("sent")
        );
    }
    println!(
        "({} of {} processes)",
        v["items"].as_array().map_or(0, Vec::len),
        v["total"]
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct LoadArgs {
    /// The module file (.wasm or .wat); its name is the file stem.
    file: PathBuf,
    #[command(flatten)]
    node: NodeArgs,
}

pub fn load(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let path = std::path::absolute(&args.file).unwrap_or_else(|_| args.file.clone());
    let name = hatchery::runtime::modules::module_name(&path);
    let v = args.node.request(
        "POST",
        &format!("/api/modules/{}/reload", enc(&name)),
        Some(&json!({"path": path_text(&path)})),
    )?;
    print_outcome(&name, &v);
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct RollbackArgs {
    /// The module name.
    module: String,
    #[command(flatten)]
    node: NodeArgs,
}

pub fn rollback(args: &RollbackArgs) -> anyhow::Result<ExitCode> {
    let v = args.node.request(
        "POST",
        &format!("/api/modules/{}/rollback", enc(&args.module)),
        None,
    )?;
    print_outcome(&args.module, &v);
    Ok(ExitCode::SUCCESS)
}

/// `hatchery end`: ends every process of a module or of a subtree on a running node.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["module", "subtree"])))]
pub struct EndArgs {
    /// End every process running this module (supervised ones are removed from their
    /// supervisors, so they are not restarted).
    #[arg(long)]
    module: Option<String>,
    /// End this process and everything spawned below it (`12` or `<0.12>`).
    #[arg(long, value_name = "PID")]
    subtree: Option<String>,
    #[command(flatten)]
    node: NodeArgs,
}

pub fn end(args: &EndArgs) -> anyhow::Result<ExitCode> {
    let body = match (&args.module, &args.subtree) {
        (Some(m), _) => serde_json::json!({ "module": m }),
        (None, Some(p)) => serde_json::json!({ "subtree": p }),
        (None, None) => anyhow::bail!("say --module NAME or --subtree PID"),
    };
    let v = args.node.request("POST", "/api/end", Some(&body))?;
    println!("ended {} processes", v["ended"].as_u64().unwrap_or(0));
    for c in v["removed_children"].as_array().into_iter().flatten() {
        println!(
            "    removed child {} from supervisor {}",
            c["id"].as_str().unwrap_or("?"),
            c["supervisor"].as_str().unwrap_or("?")
        );
    }
    let left = v["left"].as_u64().unwrap_or(0);
    if left > 0 {
        println!(
            "{left} processes of it still run (it spawns faster than it is ended); run the command again"
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_outcome(name: &str, v: &Value) {
    match serde_json::from_value::<hatchery::SwapRecord>(v["outcome"].clone()) {
        Ok(r) => {
            println!("{}", r.summary());
            for e in &r.errors {
                println!("    {e}");
            }
        }
        Err(_) => println!(
            "swap {name}: {}",
            v["message"].as_str().unwrap_or("unchanged")
        ),
    }
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

/// Percent-encodes a query or path component.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
