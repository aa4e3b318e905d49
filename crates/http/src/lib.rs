//! The node's HTTP API and the browser inspector it serves.
//!
//! Everything the inspector shows is plain JSON under `/api` (described by
//! `/api/openapi.json`); the UI itself is the static files of `web/`, embedded in the
//! binary. The edge is guarded: loopback by default, a bearer token required for any other
//! address, `Host`, `Origin` and body-type checks against web pages ([`edge`]), bounded
//! request bodies, a per-client request rate, a time limit per request, and one error
//! shape for every 4xx: `{"error": {"code": "...", "message": "..."}}`.

#![warn(missing_docs)]
// The OpenAPI document is one `json!` deeper than the macro's default limit allows.
#![recursion_limit = "256"]

mod api;
mod cluster;
mod edge;
mod end;
mod load;
mod metrics;
mod nodes;
mod openapi;
pub mod otlp;
mod serve;
mod ui;

pub use cluster::answer_questions;

// The lower layers' modules, under the names this crate's files use for them.
pub(crate) use hatchery_core::{
    crashlog, events, exit, message, pid, process, recovery, supervisor,
};
pub(crate) use hatchery_wasm::{node, runtime, sys};

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;

use crate::node::Node;

/// How the HTTP API is served.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Where to listen. Loopback unless a token is set.
    pub addr: SocketAddr,
    /// The bearer token every API request must carry (required off loopback).
    pub token: Option<String>,
    /// Host names besides the listening address (and `localhost` on loopback) that
    /// requests may name in `Host`.
    pub allowed_hosts: Vec<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Requests per second one client may make (a burst of twice that is allowed).
    pub rate_per_sec: u32,
    /// Longest time one request may take (the event stream excepted).
    pub request_timeout: Duration,
    /// Most connections open at once; one more is answered `503` and closed.
    pub max_connections: usize,
    /// Longest time a connection may take to send a request head, counted from when it
    /// is ready for one (after connecting, or after the last response): a slow or idle
    /// client is closed.
    pub header_timeout: Duration,
    /// The OTLP exporter's counts, when the node exports its traces ([`otlp::export`]),
    /// for `/metrics`.
    pub otlp: Option<Arc<otlp::OtlpStats>>,
}

impl HttpConfig {
    /// Loopback at `addr`, no token, the default limits.
    pub fn local(addr: SocketAddr) -> Self {
        HttpConfig {
            addr,
            token: None,
            allowed_hosts: Vec::new(),
            max_body_bytes: 1 << 20,
            rate_per_sec: 200,
            request_timeout: Duration::from_secs(30),
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            otlp: None,
        }
    }
}

/// A running HTTP server.
pub struct HttpServer {
    /// The address it listens on (the real port when port 0 was asked for).
    pub addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        // Stops accepting, and ends the open event streams so that connections close.
        let _ = self.stop.send(true);
    }
}

/// What every handler gets.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub node: Node,
    pub config: Arc<HttpConfig>,
    pub started: Instant,
    rates: Arc<Mutex<HashMap<IpAddr, Bucket>>>,
    /// Open event streams (bounded).
    pub streams: Arc<std::sync::atomic::AtomicUsize>,
    /// Becomes true when the server stops.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// The node's last hour of load figures.
    pub history: Arc<load::History>,
}

/// Most event streams open at once.
pub(crate) const MAX_STREAMS: usize = 64;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// An error answer: status, stable code, message.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (self.status, axum::Json(body)).into_response()
    }
}

impl HttpServer {
    /// Serves `node`'s HTTP API and inspector until the returned server is dropped.
    ///
    /// # Errors
    ///
    /// A non-loopback address without a token, or an address that cannot be bound.
    pub async fn start(node: &Node, config: HttpConfig) -> anyhow::Result<HttpServer> {
        if !config.addr.ip().is_loopback() && config.token.as_deref().is_none_or(str::is_empty) {
            bail!(
                "refusing to serve the HTTP API on {} without a token: anyone who can reach it could \
                 inject messages and kill processes. Set a token (--http-token or HATCHERY_TOKEN) or \
                 bind to 127.0.0.1",
                config.addr
            );
        }
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("binding the HTTP API to {}", config.addr))?;
        let addr = listener.local_addr()?;
        let config = HttpConfig { addr, ..config };
        let (stop, stopping) = tokio::sync::watch::channel(false);
        cluster::answer_questions(node);
        let ctx = Ctx {
            node: node.clone(),
            config: Arc::new(config),
            started: Instant::now(),
            rates: Arc::default(),
            streams: Arc::default(),
            stopping: stopping.clone(),
            history: Arc::default(),
        };
        node.handle()
            .spawn(ctx.history.clone().keep(node.clone(), stopping.clone()));
        let app = router(ctx.clone());
        node.handle().spawn(async move {
            serve::serve(listener, app, &ctx.config, stopping).await;
        });
        Ok(HttpServer { addr, stop })
    }
}

fn router(ctx: Ctx) -> Router {
    let api = api::routes()
        .fallback(|| async { ApiError::not_found("no such API endpoint (see /api/openapi.json)") })
        .layer(axum::middleware::from_fn_with_state(ctx.clone(), guard));
    // The metrics are for Prometheus, at the path it scrapes by default, behind the same
    // token, rate and time limits as the API.
    let metrics = Router::new()
        .route("/metrics", axum::routing::get(metrics::metrics))
        .layer(axum::middleware::from_fn_with_state(ctx.clone(), guard));
    Router::new()
        .nest("/api", api)
        .merge(metrics)
        .merge(ui::routes())
        .layer(axum::extract::DefaultBodyLimit::max(
            ctx.config.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            edge_guard,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(ctx)
}

/// The checks that keep web pages out (see [`edge`]), on every request.
async fn edge_guard(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    match edge::check(&req, ctx.config.addr, &ctx.config.allowed_hosts) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Token, rate and time limits for `/api`.
async fn guard(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    // The rate comes first, so that guessing the token is as slow as anything else.
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(ip) = client
        && !ctx.allow(ip)
    {
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "more than {} requests per second from {ip}; slow down",
                ctx.config.rate_per_sec
            ),
        )
        .into_response();
    }
    if let Some(token) = ctx.config.token.as_deref() {
        let given = bearer(&req).or_else(|| query_token(&req));
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this node requires a token: send `Authorization: Bearer <token>`",
            )
            .into_response();
        }
    }
    if req.uri().path().ends_with("/events") {
        return next.run(req).await;
    }
    match tokio::time::timeout(ctx.config.request_timeout, next.run(req)).await {
        Ok(r) => uniform_error(r).await,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long",
        )
        .into_response(),
    }
}

/// Gives the errors axum produces itself (a wrong method, a path that does not decode)
/// the API's error shape.
async fn uniform_error(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return res;
    }
    let text = match axum::body::to_bytes(res.into_body(), 4096).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        s if s.is_client_error() => "bad_request",
        _ => "unavailable",
    };
    let message = if text.trim().is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    // Nothing the client sends is the server's fault: the API answers 4xx or 503.
    let status = if status.is_server_error() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        status
    };
    ApiError::new(status, code, message).into_response()
}

impl Ctx {
    /// A token bucket per client address.
    fn allow(&self, ip: IpAddr) -> bool {
        let rate = f64::from(self.config.rate_per_sec.max(1));
        let mut rates = self.rates.lock();
        if rates.len() > 10_000 {
            rates.retain(|_, b| b.at.elapsed() < Duration::from_secs(10));
        }
        let b = rates.entry(ip).or_insert(Bucket {
            tokens: rate * 2.0,
            at: Instant::now(),
        });
        let now = Instant::now();
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(rate * 2.0);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn bearer(req: &Request) -> Option<String> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn query_token(req: &Request) -> Option<String> {
    req.uri().query()?.split('&').find_map(|kv| {
        kv.strip_prefix("token=")
            .map(|t| percent_decode(t).unwrap_or_default())
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decodes `%XX` escapes and `+` (query strings).
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A strict content-security policy and friends on every answer.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}
