//! The OpenAPI 3.1 description of `/api` (served at `/api/openapi.json`).

use serde_json::{Value, json};

/// Answers any request can get: no or a wrong token, a `Host` that does not name the
/// server, too many requests, a request that took too long.
const EVERY: [&str; 4] = ["401", "403", "429", "503"];

fn op(summary: &str, ok: &str, errors: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(
        ok.to_string(),
        json!({"description": "success", "content": {"application/json": {}}}),
    );
    for e in errors.iter().chain(&EVERY) {
        responses.insert(
            (*e).to_string(),
            json!({"$ref": "#/components/responses/Error"}),
        );
    }
    json!({"summary": summary, "responses": responses})
}

/// A JSON request body; a body of another type is refused with 415.
fn with_body(mut op: Value, schema: Value) -> Value {
    op["requestBody"] = json!({"content": {"application/json": {"schema": schema}}});
    op["responses"]["415"] = json!({"$ref": "#/components/responses/Error"});
    op
}

/// A JSON request body that must be there.
fn with_required_body(op: Value, schema: Value) -> Value {
    let mut op = with_body(op, schema);
    op["requestBody"]["required"] = json!(true);
    op
}

/// What `parse_pid` (in `api.rs`) accepts: `12`, `0.12` or `<0.12>`, at most 19 digits.
const PID_PATTERN: &str = r"^(<[^<>]+\.[1-9][0-9]{0,18}>|0\.[1-9][0-9]{0,18}|[1-9][0-9]{0,18})$";

fn with_params(mut op: Value, params: Value) -> Value {
    op["parameters"] = params;
    op
}

/// The document.
pub(super) fn document() -> Value {
    let pid = json!({"name": "pid", "in": "path", "required": true,
                     "schema": {"type": "string", "pattern": PID_PATTERN}, "description": "12, <0.12>, or <NODE.12> for another node's pid"});
    let name =
        json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Hatchery node API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Live processes, supervision trees, module versions and message injection. \
                Every error is {\"error\": {\"code\", \"message\"}} with a 4xx status. \
                Every request needs `Authorization: Bearer <token>` (or ?token= for the event stream) when the node has a token: \
                `hatchery run` makes one unless told otherwise. `Host` must name the server (403 forbidden_host), \
                a state-changing request from a browser must come from the inspector's own origin (403 cross_origin), \
                and request bodies must be `application/json` (415 unsupported_media_type)."
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string", "enum": [
                        "bad_request", "not_found", "too_large", "unauthorized", "rate_limited",
                        "conflict", "invalid_module", "limit", "timeout", "unavailable", "method_not_allowed",
                        "forbidden_host", "cross_origin", "unsupported_media_type"]},
                        "message": {"type": "string"}}}}},
                "ProcessSummary": {"type": "object", "properties": {
                    "pid": {"type": "string"}, "id": {"type": "integer"}, "module": {"type": "string"},
                    "version": {"type": "integer"}, "name": {"type": ["string", "null"]},
                    "status": {"type": "string", "enum": ["running", "waiting", "exiting", "native", "exited"]},
                    "kind": {"type": "string", "enum": ["wasm", "native", "supervisor"]},
                    "mailbox_len": {"type": "integer"}, "memory_bytes": {"type": "integer"},
                    "cpu_ticks": {"type": "integer", "description": "preemption ticks that found the guest running"},
                    "cpu_us": {"type": "integer", "description": "microseconds its code ran on a scheduler: guest code and the host calls it made"},
                    "callback_cpu_limit_ms": {"type": "integer", "description": "the cap on one behaviour callback's CPU; 0: none"},
                    "received": {"type": "integer"}, "sent": {"type": "integer"},
                    "uptime_ms": {"type": "integer"}, "links": {"type": "integer"},
                    "monitors": {"type": "integer"},
                    "output_dropped_bytes": {"type": "integer", "description": "output dropped by the output rate"},
                    "subtree": {"type": "string", "description": "the pid that started the subtree it counts in, for the subtree's process quota"},
                    "grants": {"type": "object", "description": "what it may do beyond its subtree", "properties": {
                        "supervise": {"type": "boolean"}, "rollback": {"type": "boolean"}, "signal_any": {"type": "boolean"},
                        "spawn": {"type": ["array", "null"], "items": {"type": "string"}}, "names": {"type": ["string", "null"]}}}}},
                "SwapRecord": {"type": "object", "properties": {
                    "module": {"type": "string"}, "from": {"type": "integer"}, "to": {"type": "integer"},
                    "cause": {"type": "string"}, "upgraded": {"type": "integer"},
                    "failed": {"type": "integer"}, "kept": {"type": "integer"},
                    "restarted": {"type": "integer"}, "purged": {"type": "integer"},
                    "pending": {"type": "integer"}, "errors": {"type": "array", "items": {"type": "string"}},
                    "pause_max_us": {"type": "integer"}, "took_us": {"type": "integer"}}}
            },
            "responses": {"Error": {"description": "a client error", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        },
        "security": [{"bearer": []}, {}],
        "paths": {
            "/api/node": {"get": op("Node summary and counters", "200", &["401", "429"])},
            "/api/nodes": {"get": op("The nodes of the cluster: state, last heard, and the links and monitors between this node's processes and theirs", "200", &[])},
            "/api/processes": {"get": with_params(op("List processes (filter, sort, page)", "200", &["400", "401", "429"]), json!([
                {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "substring of pid, module or name"},
                {"name": "sort", "in": "query", "description": "pid: the order the processes were spawned in", "schema": {"type": "string", "enum": ["pid", "module", "name", "mailbox", "memory", "cpu", "received", "sent", "uptime"]}},
                {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000}}]))},
            "/api/cluster/processes": {"get": with_params(op("The whole cluster's processes: every connected node asked over the cluster's connection for its top `limit` by `sort`, \
                merged into one list with `node` on each row and another node's pids as <NODE.N>; `nodes` says which answered, and why not", "200", &["400", "401", "429"]), json!([
                {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "substring of pid, module or name"},
                {"name": "sort", "in": "query", "description": "pid: this node's rows first, each node's in spawn order", "schema": {"type": "string", "enum": ["pid", "module", "name", "mailbox", "memory", "cpu", "received", "sent", "uptime"]}},
                {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 200}}]))},
            "/api/processes/{pid}": {"get": with_params(op("One process: links, monitors, mailbox peek, memory, version, output, last exit", "200", &["400", "404"]), json!([pid.clone()]))},
            "/api/processes/{pid}/exit": {"post": with_params(with_body(op("Send an exit signal (kill, shutdown, normal or a custom reason)", "202", &["400", "404"]),
                json!({"type": "object", "properties": {"reason": {"type": "string", "minLength": 1, "default": "kill"}}})), json!([pid]))},
            "/api/send": {"post": with_required_body(op("Inject a JSON message into a process (by pid or registered name); follow=true traces what it sets off", "202", &["400", "404", "413"]),
                json!({"type": "object", "required": ["to", "message"], "properties": {
                    "to": {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": 1, "maximum": i64::MAX}]}, "message": {}, "follow": {"type": "boolean"}}}))},
            "/api/spawn": {"post": with_required_body(op("Spawn a process of a loaded module", "201", &["400", "404", "409"]),
                json!({"type": "object", "required": ["module"], "properties": {"module": {"type": "string"}, "args": {}}}))},
            "/api/end": {"post": with_required_body(op("End every process of a module or of a subtree (a process and all spawned below it); supervised children are removed from their supervisors, the rest killed", "200", &["400", "404", "409"]),
                json!({"oneOf": [
                    {"type": "object", "required": ["module"], "additionalProperties": false, "properties": {"module": {"type": "string", "minLength": 1}}},
                    {"type": "object", "required": ["subtree"], "additionalProperties": false, "properties": {"subtree": {"oneOf": [
                        {"type": "string", "pattern": PID_PATTERN}, {"type": "integer", "minimum": 1, "maximum": i64::MAX}]}}}]}))},
            "/api/modules": {"get": op("Modules with their versions, swap history, processes per version and the CPU of all their processes, ended ones included (cpu_us)", "200", &[])},
            "/api/modules/{name}/reload": {"post": with_params(with_body(op("Load the module's file again (or the given path) as a new version and upgrade its processes", "200", &["400", "404", "409", "422"]),
                json!({"type": "object", "properties": {"path": {"type": ["string", "null"], "pattern": "[^/]\\.(wasm|wat)$",
                    "description": "a file named <name>.wasm or <name>.wat (another module's file: 409)"}}})), json!([name.clone()]))},
            "/api/modules/{name}/rollback": {"post": with_params(op("Make the previous version current again", "200", &["404", "409"]), json!([name]))},
            "/api/tree": {"get": op("The supervision trees; each child with the CPU (cpu_us) and live processes (subtree_processes) of its subtree", "200", &[])},
            "/api/history": {"get": op("The node's load figures of the last hour, one point every interval_ms, oldest first \
                (the figures of the stats event: processes, messages_per_sec, memory, mailbox_messages, restarts, swaps, cpu_per_worker)", "200", &[])},
            "/api/crashes": {"get": with_params(op("The crash log, newest first", "200", &["400"]), json!([
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10_000}}]))},
            "/api/traces/{id}": {"get": with_params(op("The flow a followed message set off", "200", &["400", "404"]), json!([
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^(t-)?[0-9]{1,19}$"}, "description": "t-N, as `send` with follow returned"}]))},
            "/api/events": {"get": {"summary": "Server-sent events: spawned, exited, output, swap, swap_rejected, stats (every second), dropped (events this client lost)",
                "responses": {"200": {"description": "an event stream", "content": {"text/event-stream": {}}}}}},
            "/api/openapi.json": {"get": op("This document", "200", &[])}
        }
    })
}
