//! The whole cluster's busiest processes, from any one node: `GET /api/cluster/processes`
//! asks every connected node the question `GET /api/processes` answers here, over the
//! cluster's own connection (`hatchery_core::query`), and merges the answers into one list
//! with a `node` on each row. The inspector's Top and `hatchery top --cluster` read it.
//!
//! Each node answers with its own top `limit` by the sort key, so the merged top `limit`
//! is exact for that key. A node that does not answer within [`ASK_TIMEOUT`] is listed
//! with the reason, and the rows of the others still come.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use hatchery_core::query::Answerer;
use serde_json::{Value, json};

use super::api::{number, process_list, query};
use super::{ApiError, Ctx};
use crate::pid::Pid;

/// How long a node has to answer.
pub(crate) const ASK_TIMEOUT: Duration = Duration::from_secs(2);
/// Most rows asked of each node, and returned.
const MAX_LIMIT: usize = 200;
/// The parameters passed on to the other nodes (not, say, a `token` given in the URL).
const FORWARDED: [&str; 4] = ["q", "sort", "order", "limit"];

/// Answers other nodes' questions with what this node's API would answer. The one
/// question so far is `{"processes": {PARAMETER: VALUE, ...}}`: `GET /api/processes` with
/// those query parameters.
struct Questions;

impl Answerer for Questions {
    fn answer(&self, node: &hatchery_core::Node, question: &[u8]) -> Result<Vec<u8>, String> {
        let question: Value =
            serde_json::from_slice(question).map_err(|e| format!("a question is JSON: {e}"))?;
        let params = question
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.get("processes"))
            .and_then(Value::as_object)
            .ok_or("not a question this node knows (it answers {\"processes\": {...}})")?;
        let mut q = HashMap::new();
        for (k, v) in params {
            let v = v
                .as_str()
                .ok_or("the parameters of a question are strings")?;
            q.insert(k.clone(), v.to_string());
        }
        process_list(node, &q)
            .map(|v| v.to_string().into_bytes())
            .map_err(|e| e.message)
    }
}

/// Makes `node` answer the other nodes' questions (the cluster views of the inspector and
/// of `hatchery top`). Idempotent; the HTTP server calls it too.
pub fn answer_questions(node: &hatchery_core::Node) {
    // A second call finds the answerer set: nothing to do.
    let _ = node.set_answerer(std::sync::Arc::new(Questions));
}

pub(super) async fn processes(
    State(ctx): State<Ctx>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let mut q = query(q)?;
    if q.contains_key("offset") {
        return Err(ApiError::bad_request(
            "`offset` pages one node's list; the cluster's is the top `limit` of all nodes",
        ));
    }
    let limit = number(&q, "limit", 100, MAX_LIMIT)?;
    q.insert("limit".into(), limit.to_string());
    let sort = q.get("sort").cloned().unwrap_or_else(|| "pid".into());
    let desc = q.get("order").is_some_and(|o| o == "desc");
    // This node first: a bad parameter is refused here, before anyone is asked.
    let node = &ctx.node;
    let started = Instant::now();
    let here = process_list(node, &q)?;
    let mut nodes = vec![answered(node.name(), &here, started)];
    let mut rows = rows_of(node.name(), here, 0);
    let forwarded: HashMap<&str, &String> = FORWARDED
        .iter()
        .filter_map(|k| q.get(*k).map(|v| (*k, v)))
        .collect();
    let question = json!({ "processes": forwarded }).to_string().into_bytes();
    let peers = node.peers();
    let asks = peers.iter().filter(|p| p.up).map(|p| {
        let question = question.clone();
        async move {
            let started = Instant::now();
            let answer = node.ask_node(&p.name, question, ASK_TIMEOUT).await;
            (p.name.as_str(), answer, started)
        }
    });
    let answers = futures_util::future::join_all(asks).await;
    for p in peers.iter().filter(|p| !p.up) {
        nodes.push(failed(
            &p.name,
            format!("node {} is not connected", p.name),
            None,
        ));
    }
    for (i, (name, answer, started)) in answers.into_iter().enumerate() {
        let list = answer
            .map_err(|e| e.to_string())
            .and_then(|bytes| read_list(name, &bytes));
        match list {
            Ok(list) => {
                nodes.push(answered(name, &list, started));
                rows.extend(rows_of(name, list, i + 1));
            }
            Err(e) => nodes.push(failed(name, e, Some(started))),
        }
    }
    sort_rows(&mut rows, &sort, desc);
    rows.truncate(limit);
    let total: u64 = nodes.iter().filter_map(|n| n["total"].as_u64()).sum();
    let body = json!({
        "node": node.name(),
        "total": total,
        "limit": limit,
        "items": rows.into_iter().map(|r| r.item).collect::<Vec<_>>(),
        "nodes": nodes,
    });
    Ok(axum::Json(body).into_response())
}

/// Another node's answer, when it is a process list: an object whose `items` are objects.
fn read_list(name: &str, bytes: &[u8]) -> Result<Value, String> {
    let list: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("node {name} answered with something that is not JSON: {e}"))?;
    let rows_ok = list
        .get("items")
        .and_then(Value::as_array)
        .is_some_and(|items| items.iter().all(Value::is_object));
    if !rows_ok {
        return Err(format!(
            "node {name} answered with something that is not a process list"
        ));
    }
    Ok(list)
}

fn answered(name: &str, list: &Value, started: Instant) -> Value {
    json!({
        "node": name,
        "ok": true,
        "total": list["total"].as_u64().unwrap_or(0),
        "ms": started.elapsed().as_millis() as u64,
    })
}

fn failed(name: &str, error: String, started: Option<Instant>) -> Value {
    json!({
        "node": name,
        "ok": false,
        "error": error,
        "ms": started.map(|s| s.elapsed().as_millis() as u64),
    })
}

/// One row of the merged list, with where it came from.
struct Row {
    /// Its node's place among the answers (this node is 0).
    from: usize,
    /// Its place in its node's list.
    at: usize,
    item: Value,
}

/// The rows of one node's list, each given its `node`, and the other nodes' pids written
/// as `<NODE.N>` (the API's spelling of another node's pid).
fn rows_of(name: &str, mut list: Value, from: usize) -> Vec<Row> {
    let here = from == 0;
    let Some(items) = list.get_mut("items").and_then(Value::as_array_mut) else {
        return Vec::new();
    };
    std::mem::take(items)
        .into_iter()
        .enumerate()
        .map(|(at, mut item)| {
            if !here {
                if let Some(id) = item["id"].as_u64() {
                    item["pid"] = json!(format!("<{name}.{id}>"));
                }
                if let Some(root) = item["subtree"].as_str().and_then(|r| r.parse::<Pid>().ok()) {
                    item["subtree"] = json!(format!("<{name}.{}>", root.as_u64()));
                }
            }
            item["node"] = json!(name);
            Row { from, at, item }
        })
        .collect()
}

/// Sorts the merged rows as each node sorted its own: by the key's field, ties (and `pid`,
/// which is spawn order on each node) by node and then by place in the node's list.
fn sort_rows(rows: &mut [Row], sort: &str, desc: bool) {
    let field = match sort {
        "cpu" => Some("cpu_us"),
        "mailbox" => Some("mailbox_len"),
        "memory" => Some("memory_bytes"),
        "received" => Some("received"),
        "sent" => Some("sent"),
        "uptime" => Some("uptime_ms"),
        _ => None,
    };
    let text = |r: &Row| match sort {
        "module" => format!(
            "{}@{:010}",
            r.item["module"].as_str().unwrap_or(""),
            r.item["version"].as_u64().unwrap_or(0)
        ),
        "name" => r.item["name"].as_str().unwrap_or("").to_string(),
        _ => String::new(),
    };
    rows.sort_by(|a, b| {
        let by_key = match field {
            Some(f) => a.item[f].as_u64().cmp(&b.item[f].as_u64()),
            None => text(a).cmp(&text(b)),
        };
        let by_key = if desc { by_key.reverse() } else { by_key };
        by_key.then((a.from, a.at).cmp(&(b.from, b.at)))
    });
}
