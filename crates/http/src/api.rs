//! The JSON endpoints under `/api`.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use serde_json::{Value, json};

use super::{ApiError, Ctx};
use crate::events::NodeEvent;
use crate::exit::ExitReason;
use crate::message::MessageKind;
use crate::pid::Pid;
use crate::process::Process;
use crate::runtime::modules::{LoadCause, LoadError};

type ApiResult = Result<Response, ApiError>;

pub(super) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/node", get(node_info))
        .route("/nodes", get(super::nodes::nodes))
        .route("/cluster/processes", get(super::cluster::processes))
        .route("/processes", get(list_processes))
        .route("/processes/{pid}", get(process_details))
        .route("/processes/{pid}/exit", post(exit_process))
        .route("/send", post(send))
        .route("/spawn", post(spawn))
        .route("/end", post(super::end::end))
        .route("/modules", get(modules))
        .route("/modules/{name}/reload", post(reload))
        .route("/modules/{name}/rollback", post(rollback))
        .route("/tree", get(tree))
        .route("/history", get(super::load::history))
        .route("/crashes", get(crashes))
        .route("/traces/{id}", get(trace))
        .route("/events", get(events))
        .route(
            "/openapi.json",
            get(|| async { Json(super::openapi::document()) }),
        )
}

// ---- parsing helpers --------------------------------------------------------------------

/// A JSON body, with our error shape for every way it can be wrong.
pub(super) fn json_body(
    body: Result<Bytes, BytesRejection>,
    optional: bool,
) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.body_text())
        } else {
            ApiError::bad_request(e.body_text())
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if optional {
            Ok(Value::Null)
        } else {
            Err(ApiError::bad_request("the request needs a JSON body"))
        };
    }
    match serde_json::from_slice(&bytes) {
        Ok(Value::Null) => Err(ApiError::bad_request(
            "the body is `null`; send a JSON object (or, where it is optional, nothing)",
        )),
        Ok(v) => Ok(v),
        Err(e) => Err(ApiError::bad_request(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

pub(super) fn query(
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(m)| m)
        .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))
}

pub(super) fn number(
    q: &HashMap<String, String>,
    key: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match q.get(key) {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            Ok(_) => Err(ApiError::bad_request(format!("`{key}` is at most {max}"))),
            Err(_) => Err(ApiError::bad_request(format!(
                "`{key}` must be a non-negative integer, not {v:?}"
            ))),
        },
    }
}

/// A pid given as a JSON number: a positive integer (also written `12.0`).
pub(super) fn json_pid(n: &serde_json::Number) -> Option<Pid> {
    let whole = n.as_u64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    });
    whole.filter(|n| *n > 0).map(Pid)
}

/// `12`, `<0.12>` (or `0.12`).
pub(super) fn parse_pid(text: &str) -> Option<Pid> {
    text.parse().ok()
}

fn pid_param(text: &str) -> Result<Pid, ApiError> {
    parse_pid(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{text:?} is not a pid (expected 12, <0.12> or another node's <NODE.12>)"
        ))
    })
}

/// A pid or a registered name, from JSON.
fn target(ctx: &Ctx, to: &Value) -> Result<Pid, ApiError> {
    let pid = match to {
        Value::Number(n) => json_pid(n),
        Value::String(s) => match parse_pid(s) {
            Some(p) => Some(p),
            None => Some(ctx.node.whereis(s).ok_or_else(|| {
                ApiError::not_found(format!("no process is registered as {s:?}"))
            })?),
        },
        _ => {
            return Err(ApiError::bad_request(
                "`to` must be a pid (\"<0.12>\" or 12) or a registered name",
            ));
        }
    };
    let pid = pid.ok_or_else(|| ApiError::bad_request(format!("{to} is not a pid")))?;
    if ctx.node.process(pid).is_none_or(|p| !p.is_alive()) {
        return Err(ApiError::not_found(format!("no live process {pid}")));
    }
    Ok(pid)
}

fn ok(status: StatusCode, v: Value) -> ApiResult {
    Ok((status, Json(v)).into_response())
}

// ---- views ------------------------------------------------------------------------------

fn kind(p: &Process) -> &'static str {
    match p.module() {
        "native:supervisor" => "supervisor",
        m if m.starts_with("native:") => "native",
        _ => "wasm",
    }
}

fn status(p: &Process) -> &'static str {
    if !p.is_alive() {
        "exiting"
    } else if p.is_hibernating() {
        "hibernating"
    } else if p.is_waiting() {
        "waiting"
    } else if kind(p) == "wasm" {
        "running"
    } else {
        "native"
    }
}

fn summary(p: &Process) -> Value {
    json!({
        "pid": p.pid().to_string(),
        "id": p.pid().as_u64(),
        "module": p.module(),
        "version": p.version(),
        "name": p.name().map(|n| n.to_string()),
        "status": status(p),
        "kind": kind(p),
        "mailbox_len": p.mailbox.len(),
        "mailbox_bytes": p.mailbox.bytes(),
        "memory_bytes": p.counters.memory.load(Ordering::Relaxed),
        "cpu_ticks": p.counters.cpu_ticks.load(Ordering::Relaxed),
        "cpu_us": p.counters.cpu_ns.load(Ordering::Relaxed) / 1000,
        "callback_cpu_limit_ms": p.counters.callback_cpu_limit_ms.load(Ordering::Relaxed),
        "received": p.counters.received.load(Ordering::Relaxed),
        "sent": p.counters.sent.load(Ordering::Relaxed),
        "uptime_ms": p.started().elapsed().as_millis() as u64,
        "links": p.links().len(),
        "monitors": p.monitors().len(),
        "output_dropped_bytes": p.counters.output_dropped.load(Ordering::Relaxed),
        "subtree": p.subtree().root().to_string(),
        "grants": p.grants().to_json(),
    })
}

fn show_bytes(data: &[u8]) -> (Value, String) {
    let json = serde_json::from_slice::<Value>(data).unwrap_or(Value::Null);
    let text = match std::str::from_utf8(data) {
        Ok(s) => s.chars().take(200).collect(),
        Err(_) => data.iter().take(64).map(|b| format!("{b:02x}")).collect(),
    };
    (json, text)
}

fn reason_kind(r: &ExitReason) -> &'static str {
    r.name()
}

// ---- handlers ---------------------------------------------------------------------------

async fn node_info(State(ctx): State<Ctx>) -> Json<Value> {
    let s = ctx.node.stats();
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "node": ctx.node.name(),
        "peers": ctx.node.peers(),
        "uptime_ms": ctx.started.elapsed().as_millis() as u64,
        "processes": ctx.node.process_count(),
        "max_processes": ctx.node.config().max_processes,
        "stats": {
            "spawned": s.spawned.load(Ordering::Relaxed),
            "exited": s.exited.load(Ordering::Relaxed),
            "sent": s.sent.load(Ordering::Relaxed),
            "dropped_dead": s.dropped_dead.load(Ordering::Relaxed),
            "dropped_overflow": s.dropped_overflow.load(Ordering::Relaxed),
            "instantiated": s.instantiated.load(Ordering::Relaxed),
            "hibernations": s.hibernations.load(Ordering::Relaxed),
        },
        "refused": s.refused.by_name().into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "guest_memory_bytes": ctx.node.guest_memory(),
        "mailbox_bytes": ctx.node.mailbox_bytes(),
        "memory_rss_bytes": crate::sys::resident_bytes().unwrap_or(0),
    }))
}

async fn list_processes(
    State(ctx): State<Ctx>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult {
    let list = process_list(&ctx.node, &query(q)?)?;
    ok(StatusCode::OK, list)
}

/// The page of `node`'s processes that `q` asks for (`GET /api/processes`'s parameters),
/// also the answer to another node's question (`crate::cluster`).
pub(super) fn process_list(
    node: &hatchery_core::Node,
    q: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let offset = number(q, "offset", 0, usize::MAX)?;
    let limit = number(q, "limit", 100, 1000)?;
    let needle = q.get("q").map(|s| s.to_lowercase()).unwrap_or_default();
    let sort = q.get("sort").map_or("pid", String::as_str);
    let desc = match q.get("order").map(String::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            return Err(ApiError::bad_request(format!(
                "`order` is asc or desc, not {o:?}"
            )));
        }
    };
    // In spawn order, which is what sorting by pid means: the pids themselves are numbers
    // in no order (ARCHITECTURE.md §7a).
    let mut procs: Vec<(usize, Arc<Process>)> = node
        .processes()
        .into_iter()
        .enumerate()
        .filter(|(_, p)| {
            needle.is_empty()
                || p.pid().to_string().contains(&needle)
                || p.module().to_lowercase().contains(&needle)
                || p.name().is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    let key = |(spawned, p): &(usize, Arc<Process>)| -> (u64, String) {
        let c = &p.counters;
        match sort {
            "module" => (0, format!("{}@{:010}", p.module(), p.version())),
            "name" => (0, p.name().map(|n| n.to_string()).unwrap_or_default()),
            "mailbox" => (p.mailbox.len() as u64, String::new()),
            "memory" => (c.memory.load(Ordering::Relaxed), String::new()),
            "cpu" => (c.cpu_ns.load(Ordering::Relaxed), String::new()),
            "received" => (c.received.load(Ordering::Relaxed), String::new()),
            "sent" => (c.sent.load(Ordering::Relaxed), String::new()),
            "uptime" => (p.started().elapsed().as_millis() as u64, String::new()),
            _ => (*spawned as u64, String::new()),
        }
    };
    if !matches!(
        sort,
        "pid" | "module" | "name" | "mailbox" | "memory" | "cpu" | "received" | "sent" | "uptime"
    ) {
        return Err(ApiError::bad_request(format!(
            "unknown sort key {sort:?} (pid, module, name, mailbox, memory, cpu, received, sent, uptime)"
        )));
    }
    procs.sort_by_cached_key(|e| (key(e), e.0));
    if desc {
        procs.reverse();
    }
    let total = procs.len();
    let items: Vec<Value> = procs
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(_, p)| summary(p))
        .collect();
    Ok(json!({"total": total, "offset": offset, "limit": limit, "items": items}))
}

async fn process_details(State(ctx): State<Ctx>, Path(pid): Path<String>) -> ApiResult {
    let pid = pid_param(&pid)?;
    let Some(p) = ctx.node.process(pid) else {
        let Some(r) = ctx.node.exit_record(pid) else {
            return Err(ApiError::not_found(format!(
                "no process {pid} (alive or recently exited)"
            )));
        };
        return ok(
            StatusCode::OK,
            json!({
                "pid": pid.to_string(),
                "id": pid.as_u64(),
                "status": "exited",
                "module": &*r.module,
                "name": r.name.as_deref(),
                "last_exit": {"reason": r.reason.to_string(), "kind": reason_kind(&r.reason)},
                "output": r.output,
            }),
        );
    };
    let mut v = summary(&p);
    let pids = |xs: Vec<(u64, Pid)>| -> Vec<Value> {
        xs.into_iter()
            .map(|(r, p)| json!({"ref": r, "pid": ctx.node.show_pid(p)}))
            .collect()
    };
    let mailbox: Vec<Value> = p
        .mailbox
        .snapshot(20)
        .iter()
        .map(|m| {
            let (json, text) = show_bytes(&m.data);
            let detail = match m.kind {
                MessageKind::User => Value::Null,
                _ => json!(m.reason().map(|r| r.to_string())),
            };
            json!({
                "kind": m.kind,
                "sender": if m.sender == Pid(0) { "http".to_string() } else { ctx.node.show_pid(m.sender) },
                "size": m.data.len(),
                "json": json,
                "text": text,
                "reason": detail,
            })
        })
        .collect();
    v["parent"] = json!(p.parent().map(|x| ctx.node.show_pid(x)));
    v["trap_exit"] = json!(p.traps_exits());
    v["links"] = json!(
        p.links()
            .into_iter()
            .map(|l| ctx.node.show_pid(l))
            .collect::<Vec<_>>()
    );
    v["links_count"] = json!(p.links().len());
    v["monitors"] = json!(pids(p.monitors()));
    v["monitored_by"] = json!(pids(p.monitored_by()));
    v["mailbox"] = json!(mailbox);
    v["output"] = json!(p.output());
    v["last_exit"] = Value::Null;
    if let Some(sup) = ctx.node.supervisors().into_iter().find(|s| s.pid == pid) {
        v["children"] = json!(
            sup.children
                .iter()
                .map(|c| json!({"id": c.id, "pid": c.pid.map(|p| p.to_string())}))
                .collect::<Vec<_>>()
        );
    }
    ok(StatusCode::OK, v)
}

async fn exit_process(
    State(ctx): State<Ctx>,
    Path(pid): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let pid = pid_param(&pid)?;
    let body = json_body(body, true)?;
    let text = match &body {
        Value::Null => "kill",
        Value::Object(o) => match o.get("reason") {
            None => "kill",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(ApiError::bad_request("`reason` must be a string")),
        },
        _ => {
            return Err(ApiError::bad_request(
                "the body must be {\"reason\": \"...\"}",
            ));
        }
    };
    let (reason, kill) = match text {
        "kill" => (ExitReason::Killed, true),
        "shutdown" => (ExitReason::Shutdown, false),
        "normal" => (ExitReason::Normal, false),
        "" => return Err(ApiError::bad_request("`reason` is empty")),
        other => (
            ExitReason::custom(other.chars().take(1000).collect::<String>()),
            false,
        ),
    };
    if ctx.node.process(pid).is_none_or(|p| !p.is_alive()) {
        return Err(ApiError::not_found(format!("no live process {pid}")));
    }
    ctx.node
        .exit_signal(Pid(0), pid, &reason, kill)
        .map_err(|_| ApiError::not_found(format!("no live process {pid}")))?;
    ok(
        StatusCode::ACCEPTED,
        json!({"pid": pid.to_string(), "reason": reason.to_string()}),
    )
}

async fn send(State(ctx): State<Ctx>, body: Result<Bytes, BytesRejection>) -> ApiResult {
    let body = json_body(body, false)?;
    let Value::Object(o) = &body else {
        return Err(ApiError::bad_request(
            "the body must be {\"to\": <pid or name>, \"message\": <JSON>, \"follow\": <bool>}",
        ));
    };
    let to = target(
        &ctx,
        o.get("to")
            .ok_or_else(|| ApiError::bad_request("`to` is missing"))?,
    )?;
    let message = o
        .get("message")
        .ok_or_else(|| ApiError::bad_request("`message` is missing"))?;
    let follow = match o.get("follow") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::bad_request("`follow` must be true or false")),
    };
    let bytes = serde_json::to_vec(message).unwrap_or_default();
    let max = ctx.node.config().max_message_bytes;
    if bytes.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the message is {} bytes; this node's limit is {max}",
                bytes.len()
            ),
        ));
    }
    let id = ctx.node.make_ref();
    let trace = ctx.node.inject(to, bytes, follow);
    ok(
        StatusCode::ACCEPTED,
        json!({
            "id": format!("m-{id}"),
            "to": to.to_string(),
            "trace": trace.map(|t| format!("t-{t}")),
        }),
    )
}

async fn spawn(State(ctx): State<Ctx>, body: Result<Bytes, BytesRejection>) -> ApiResult {
    let body = json_body(body, false)?;
    let module = body["module"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("`module` (a module name) is missing"))?;
    if ctx.node.modules().iter().all(|m| &*m.name != module) {
        return Err(ApiError::not_found(format!(
            "no module named {module:?} is loaded"
        )));
    }
    let args = match &body["args"] {
        Value::Null => Vec::new(),
        v => serde_json::to_vec(v).unwrap_or_default(),
    };
    let spawned = ctx
        .node
        .spawn(module, args, crate::node::SpawnOpts::default())
        .map_err(|e| ApiError::new(StatusCode::CONFLICT, "limit", e.to_string()))?;
    ok(StatusCode::CREATED, json!({"pid": spawned.pid.to_string()}))
}

async fn modules(State(ctx): State<Ctx>) -> Json<Value> {
    let mut counts: HashMap<String, BTreeMap<String, u64>> = HashMap::new();
    let mut cpu = ctx.node.ended_cpu_by_module();
    for p in ctx.node.processes() {
        *cpu.entry(std::sync::Arc::from(p.module())).or_default() +=
            p.counters.cpu_ns.load(Ordering::Relaxed);
        *counts
            .entry(p.module().to_string())
            .or_default()
            .entry(p.version().to_string())
            .or_default() += 1;
    }
    let items: Vec<Value> = ctx
        .node
        .module_infos()
        .into_iter()
        .map(|m| {
            let mut v = serde_json::to_value(&m).unwrap_or(Value::Null);
            v["processes"] = json!(counts.remove(&m.name).unwrap_or_default());
            v["cpu_us"] = json!(cpu.get(m.name.as_str()).copied().unwrap_or(0) / 1000);
            v
        })
        .collect();
    Json(json!({"items": items}))
}

fn load_error(e: LoadError) -> ApiError {
    match e {
        LoadError::UnknownModule(_) => ApiError::not_found(e.to_string()),
        LoadError::NoPrevious(_) => ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string()),
        LoadError::Read { .. } => ApiError::not_found(e.to_string()),
        _ => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_module",
            e.to_string(),
        ),
    }
}

/// Runs a swap in a task of its own: a client that goes away (or the request time limit)
/// must not cancel a swap half done.
async fn detached<T: Send + 'static>(
    swap: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::spawn(swap).await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the swap task failed",
        )
    })
}

async fn reload(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let body = json_body(body, true)?;
    if !matches!(body, Value::Null | Value::Object(_)) {
        return Err(ApiError::bad_request(
            "the body must be {\"path\": \"...\"}, or nothing",
        ));
    }
    let path = match body.get("path") {
        Some(Value::String(p)) => {
            let p = std::path::PathBuf::from(p);
            // A client names a new file for this module only, not any file on the host.
            let ext = p.extension().and_then(|e| e.to_str());
            if !matches!(ext, Some("wasm" | "wat")) {
                return Err(ApiError::bad_request(format!(
                    "the path must be a .wasm or .wat file named {name}.wasm / {name}.wat"
                )));
            }
            // A file of another module: the request is well formed, but names two modules.
            let other = crate::runtime::modules::module_name(&p);
            if other != name {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!(
                        "the path is a file of module `{other}`, not `{name}` (name it {name}.wasm / {name}.wat)"
                    ),
                ));
            }
            p
        }
        None | Some(Value::Null) => ctx
            .node
            .modules()
            .into_iter()
            .find(|m| *m.name == *name)
            .map(|m| m.path.clone())
            .ok_or_else(|| ApiError::not_found(format!("no module named {name:?} is loaded")))?,
        Some(_) => return Err(ApiError::bad_request("`path` must be a string")),
    };
    let node = ctx.node.clone();
    match detached(async move { node.reload(&path, LoadCause::Manual).await }).await? {
        Ok(Some(record)) => ok(StatusCode::OK, json!({"module": name, "outcome": record})),
        Ok(None) => ok(
            StatusCode::OK,
            json!({"module": name, "outcome": null, "unchanged": true,
                   "message": "the file's bytes are the current version's already"}),
        ),
        Err(e) => Err(load_error(e)),
    }
}

async fn rollback(State(ctx): State<Ctx>, Path(name): Path<String>) -> ApiResult {
    let node = ctx.node.clone();
    let module = name.clone();
    match detached(async move { node.rollback(&module).await }).await? {
        Ok(record) => ok(StatusCode::OK, json!({"module": name, "outcome": record})),
        Err(e) => Err(load_error(e)),
    }
}

async fn tree(State(ctx): State<Ctx>) -> Json<Value> {
    let sups = ctx.node.supervisors();
    let by_pid: HashMap<Pid, &crate::supervisor::SupervisorInfo> =
        sups.iter().map(|s| (s.pid, s)).collect();
    let children: std::collections::HashSet<Pid> = sups
        .iter()
        .flat_map(|s| s.children.iter().filter_map(|c| c.pid))
        .collect();
    fn strategy(s: crate::supervisor::Strategy) -> &'static str {
        match s {
            crate::supervisor::Strategy::OneForOne => "one_for_one",
            crate::supervisor::Strategy::OneForAll => "one_for_all",
            crate::supervisor::Strategy::RestForOne => "rest_for_one",
        }
    }
    fn node_of(
        ctx: &Ctx,
        by_pid: &HashMap<Pid, &crate::supervisor::SupervisorInfo>,
        child: &crate::supervisor::ChildInfo,
        depth: usize,
    ) -> Value {
        let (pid, id) = (child.pid, child.id.as_str());
        let proc = pid.and_then(|p| ctx.node.process(p));
        let name = proc.as_ref().and_then(|p| p.name()).map(|n| n.to_string());
        let module = proc.as_ref().map(|p| p.module().to_string());
        let mut v = match pid.and_then(|p| by_pid.get(&p)) {
            Some(s) if depth < 32 => json!({
                "pid": pid.map(|p| p.to_string()),
                "id": id,
                "kind": "supervisor",
                "module": module,
                "name": name,
                "strategy": strategy(s.strategy),
                "restarts": child.restarts,
                "restarts_of_children": s.restarts,
                "children": s.children.iter()
                    .map(|c| node_of(ctx, by_pid, c, depth + 1))
                    .collect::<Vec<_>>(),
            }),
            _ => json!({
                "pid": pid.map(|p| p.to_string()),
                "id": id,
                "kind": "worker",
                "module": module,
                "version": proc.as_ref().map(|p| p.version()),
                "name": name,
                "strategy": null,
                "restarts": child.restarts,
                "children": [],
            }),
        };
        // A supervised child starts a subtree (`Subtree`): the child and all spawned
        // below it. A supervisor's is the sum of its children's.
        let (cpu_ns, live) = match (&proc, v["children"].as_array()) {
            (_, Some(kids)) if !kids.is_empty() => kids.iter().fold((0, 0), |(c, l), k| {
                (
                    c + k["cpu_us"].as_u64().unwrap_or(0) * 1000,
                    l + k["subtree_processes"].as_u64().unwrap_or(0),
                )
            }),
            (Some(p), _) if p.subtree().root() == p.pid() => {
                (p.subtree().cpu_ns(), u64::from(p.subtree().live()))
            }
            _ => (0, 0),
        };
        v["cpu_us"] = json!(cpu_ns / 1000);
        v["subtree_processes"] = json!(live);
        v
    }
    let roots: Vec<Value> = sups
        .iter()
        .filter(|s| !children.contains(&s.pid))
        .map(|s| {
            let root = crate::supervisor::ChildInfo {
                id: "root".into(),
                pid: Some(s.pid),
                supervisor: true,
                restarts: 0,
            };
            node_of(&ctx, &by_pid, &root, 0)
        })
        .collect();
    Json(json!({"roots": roots}))
}

async fn crashes(
    State(ctx): State<Ctx>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let limit = number(&q, "limit", 100, 10_000)?;
    let Some(path) = ctx.node.crash_log_path() else {
        return ok(
            StatusCode::OK,
            json!({"items": [], "note": "this node keeps no crash log"}),
        );
    };
    let reports = match crate::crashlog::read(&path) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                format!("reading the crash log {}: {e}", path.display()),
            ));
        }
    };
    let items: Vec<Value> = reports
        .iter()
        .rev()
        .take(limit)
        .map(|r| match r {
            crate::crashlog::Report::Crash {
                time_ms,
                pid,
                module,
                name,
                reason_kind,
                reason,
                output,
            } => json!({
                "kind": "crash", "at_ms": time_ms, "pid": Pid(*pid).to_string(), "module": module,
                "name": name, "reason_kind": reason_kind, "reason": reason, "output": output,
            }),
            crate::crashlog::Report::Supervisor {
                time_ms,
                supervisor,
                child,
                action,
                old_pid,
                new_pid,
                reason,
            } => json!({
                "kind": "supervisor", "at_ms": time_ms, "pid": Pid(*supervisor).to_string(),
                "child": child, "action": action,
                "old_pid": old_pid.map(|p| Pid(p).to_string()),
                "new_pid": new_pid.map(|p| Pid(p).to_string()),
                "reason": reason,
            }),
        })
        .collect();
    ok(StatusCode::OK, json!({"items": items}))
}

async fn trace(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult {
    let n = id
        .strip_prefix("t-")
        .unwrap_or(&id)
        .parse::<u64>()
        .map_err(|_| ApiError::bad_request(format!("{id:?} is not a trace id (t-N)")))?;
    let t = ctx.node.trace(n).ok_or_else(|| {
        ApiError::not_found(format!("no trace {id} (only the latest 256 are kept)"))
    })?;
    // Another node's pids as <NODE.N>: a flow that crossed nodes shows where it went.
    let show = |p: Pid| {
        if p == Pid(0) {
            "http".to_string()
        } else {
            ctx.node.show_pid(p)
        }
    };
    let hops: Vec<Value> = t
        .hops
        .iter()
        .map(|h| {
            json!({
                "from": show(h.from), "to": show(h.to), "at_us": h.at_us, "depth": h.depth,
                "size": h.size, "preview": h.preview, "delivered": h.delivered,
                "module": h.module, "version": h.version, "span": h.span, "parent": h.parent,
                "node": h.node,
            })
        })
        .collect();
    ok(
        StatusCode::OK,
        json!({"trace": format!("t-{n}"), "truncated": t.truncated, "hops": hops}),
    )
}

/// The live event stream: node events as they happen, `stats` every second, and `dropped`
/// whenever this client fell behind and lost events.
async fn events(
    State(ctx): State<Ctx>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    /// Counts an open stream; uncounted when the stream is dropped.
    struct Open(Arc<std::sync::atomic::AtomicUsize>);
    impl Drop for Open {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::Relaxed);
        }
    }
    if ctx.streams.fetch_add(1, Ordering::Relaxed) >= super::MAX_STREAMS {
        ctx.streams.fetch_sub(1, Ordering::Relaxed);
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("{} event streams are open already", super::MAX_STREAMS),
        ));
    }
    struct St {
        _open: Open,
        stopping: tokio::sync::watch::Receiver<bool>,
        ctx: Ctx,
        rx: tokio::sync::broadcast::Receiver<NodeEvent>,
        tick: tokio::time::Interval,
        dropped: u64,
        sampler: super::load::Sampler,
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let st = St {
        _open: Open(ctx.streams.clone()),
        stopping: ctx.stopping.clone(),
        rx: ctx.node.subscribe(),
        sampler: super::load::Sampler::new(&ctx.node),
        ctx,
        tick,
        dropped: 0,
    };
    let stream = futures_util::stream::unfold(st, |mut st| async move {
        let event = tokio::select! {
            _ = st.stopping.wait_for(|s| *s) => return None,
            r = st.rx.recv() => match r {
                Ok(e) => event_json(&e),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    st.dropped += n;
                    Some(("dropped", json!({"count": n, "total": st.dropped})))
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            },
            _ = st.tick.tick() => {
                let mut stats = st.sampler.sample(&st.ctx.node);
                stats["dropped_events"] = json!(st.dropped);
                Some(("stats", stats))
            }
        };
        let ev = match event {
            Some((kind, data)) => Event::default().event(kind).data(data.to_string()),
            None => Event::default().comment("skip"),
        };
        Some((Ok(ev), st))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn event_json(e: &NodeEvent) -> Option<(&'static str, Value)> {
    Some(match e {
        NodeEvent::Spawned {
            pid,
            module,
            parent,
        } => (
            "spawned",
            json!({"pid": pid.to_string(), "module": &**module, "parent": parent.map(|p| p.to_string())}),
        ),
        NodeEvent::Exited {
            pid,
            module,
            name,
            reason,
        } => (
            "exited",
            json!({"pid": pid.to_string(), "module": &**module, "name": name.as_deref(),
                   "reason": reason.to_string(), "kind": reason.name()}),
        ),
        NodeEvent::Output { pid, module, line } => (
            "output",
            json!({"pid": pid.to_string(), "module": &**module, "stream": line.stream, "text": line.text}),
        ),
        NodeEvent::Swap(r) => ("swap", serde_json::to_value(r).unwrap_or(Value::Null)),
        NodeEvent::SwapRejected { module, error } => {
            ("swap_rejected", json!({"module": module, "error": error}))
        }
        NodeEvent::Watch {
            folder,
            watching,
            message,
        } => (
            "watch",
            json!({"folder": folder, "watching": watching, "message": message}),
        ),
    })
}
