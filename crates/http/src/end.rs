//! `POST /api/end`: the operator's recovery tool, ending every process of a module or of a
//! subtree in one call (`crate::recovery`), with their supervisors told.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{json_body, json_pid, parse_pid};
use super::{ApiError, Ctx};
use crate::recovery::{EndError, Selection};

/// `{"module": NAME}` or `{"subtree": PID}`: ends them, and says what was ended.
pub(super) async fn end(
    State(ctx): State<Ctx>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = json_body(body, false)?;
    let selection = selection(&body)?;
    match ctx.node.end_all(&selection).await {
        Ok(done) => {
            let removed: Vec<Value> = done
                .removed_children
                .iter()
                .map(|(sup, id)| json!({"supervisor": sup, "id": id}))
                .collect();
            let answer =
                json!({"ended": done.ended, "removed_children": removed, "left": done.left});
            Ok((StatusCode::OK, Json(answer)).into_response())
        }
        Err(e @ (EndError::NoModule(_) | EndError::NoSubtree(_))) => {
            Err(ApiError::not_found(e.to_string()))
        }
        Err(e @ EndError::Native(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            e.to_string(),
        )),
    }
}

fn selection(body: &Value) -> Result<Selection, ApiError> {
    const SHAPE: &str = "the body must be {\"module\": \"name\"} or {\"subtree\": \"<0.12>\"}";
    let Value::Object(o) = body else {
        return Err(ApiError::bad_request(SHAPE));
    };
    if o.len() != 1 {
        return Err(ApiError::bad_request(SHAPE));
    }
    match (o.get("module"), o.get("subtree")) {
        (Some(Value::String(m)), None) if !m.is_empty() => Ok(Selection::Module(m.clone())),
        (None, Some(Value::String(p))) => parse_pid(p).map(Selection::Subtree).ok_or_else(|| {
            ApiError::bad_request(format!("{p:?} is not a pid (expected 12 or <0.12>)"))
        }),
        (None, Some(Value::Number(n))) => json_pid(n)
            .map(Selection::Subtree)
            .ok_or_else(|| ApiError::bad_request(format!("{n} is not a pid"))),
        _ => Err(ApiError::bad_request(SHAPE)),
    }
}
