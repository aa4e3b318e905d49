//! `GET /api/nodes`: the nodes of the cluster as this node sees them, with the links and
//! monitors between its processes and theirs (the inspector's Nodes view).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::Ctx;

/// At most this many links and monitors are listed per node (all are counted).
const LISTED: usize = 200;

pub(super) async fn nodes(State(ctx): State<Ctx>) -> Json<Value> {
    let node = &ctx.node;
    let relations = node.remote_relations();
    let connected = node.nodes();
    let peers: Vec<Value> = node
        .peers()
        .into_iter()
        .map(|p| {
            let here: Vec<_> = relations.iter().filter(|r| r.slot == p.slot).collect();
            let count = |kind: &str| here.iter().filter(|r| r.kind == kind).count();
            let listed: Vec<Value> = here
                .iter()
                .take(LISTED)
                .map(|r| {
                    json!({
                        "kind": r.kind,
                        "local": node.show_pid(r.local),
                        "remote": node.show_pid(r.remote),
                    })
                })
                .collect();
            json!({
                "name": p.name,
                "slot": p.slot,
                "up": p.up,
                "connected": connected.contains(&p.name),
                "last_heard_ms": p.last_heard_ms,
                "links": count("link"),
                "monitors": count("monitor"),
                "monitored_by": count("monitored_by"),
                "relations": listed,
            })
        })
        .collect();
    Json(json!({
        "node": node.name(),
        "slot": node.slot(),
        "nodes": peers,
    }))
}
