//! What keeps a web page the developer has open from driving the API.
//!
//! A page on any site can make the browser send requests to `127.0.0.1`; three checks
//! stop what that allows (issue 11; the browser rules are those of the Fetch standard):
//!
//! - **`Host` must name this server.** A page served from a name that the attacker then
//!   resolves to 127.0.0.1 (DNS rebinding) is same-origin with the API for the browser,
//!   and could read it; its requests still carry the attacker's name in `Host`.
//! - **State-changing requests come from the inspector's own origin, or from no browser.**
//!   A browser says where a request comes from (`Origin`, `Sec-Fetch-Site`); a request of
//!   another origin is refused. Clients that are not browsers (curl, the CLI) send
//!   neither, and the token guards them.
//! - **Request bodies are JSON only.** A page can send a form or `text/plain` across sites
//!   without asking first; `application/json` needs a CORS preflight, which this server
//!   never grants.

use std::net::{IpAddr, SocketAddr};

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};

use crate::ApiError;

/// Checks one request against the server's address and the extra host names allowed.
pub(crate) fn check(req: &Request, listen: SocketAddr, allowed: &[String]) -> Result<(), ApiError> {
    let host = host_header(req).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request has no Host header",
        )
    })?;
    let name = host_name(&host);
    if !host_allowed(&name, listen.ip(), allowed) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_host",
            format!(
                "the Host {host:?} does not name this server (it listens on {listen}); a web page \
                 reached through another name (DNS rebinding) could otherwise read the API. To \
                 reach it by that name, start the node with --http-allow-host {name}"
            ),
        ));
    }
    if changes_state(req.method()) {
        same_origin(req, &host)?;
        json_only(req)?;
    }
    Ok(())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The `Host` header, or the authority of an absolute request target (HTTP/2).
fn host_header(req: &Request) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()))
        .filter(|h| !h.is_empty())
}

/// The host of a `Host` value, without its port, in lower case: `[::1]:80` is `::1`.
fn host_name(host: &str) -> String {
    let h = host.trim();
    let name = if let Some(rest) = h.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match h.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => h,
        }
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// IP literals of the listening address (any, when it listens on all), `localhost` when it
/// listens on loopback or all, and the names allowed by configuration.
fn host_allowed(name: &str, listen: IpAddr, allowed: &[String]) -> bool {
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(name)) {
        return true;
    }
    if let Ok(ip) = name.parse::<IpAddr>() {
        return listen.is_unspecified()
            || ip == listen
            || (listen.is_loopback() && ip.is_loopback());
    }
    let local_name = name == "localhost" || name.ends_with(".localhost");
    local_name && (listen.is_loopback() || listen.is_unspecified())
}

/// Refuses a request a browser sent from another origin.
fn same_origin(req: &Request, host: &str) -> Result<(), ApiError> {
    let cross = |what: String| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            format!(
                "{what}: a web page of another site may not change this node; use the inspector \
                 at this address, the CLI, or a client that is not a browser"
            ),
        )
    };
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(cross(format!("the request comes from a {site} page")));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let ours = ["http://", "https://"]
            .iter()
            .any(|scheme| origin.eq_ignore_ascii_case(&format!("{scheme}{host}")));
        if !ours {
            return Err(cross(format!("the request comes from origin {origin:?}")));
        }
    }
    Ok(())
}

/// Refuses a request body that is not declared as JSON.
fn json_only(req: &Request) -> Result<(), ApiError> {
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let has_body = length.is_some_and(|n| n > 0)
        || (length.is_none() && headers.contains_key(header::TRANSFER_ENCODING));
    if !has_body {
        return Ok(());
    }
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = kind.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    let given = if kind.is_empty() {
        "no Content-Type".to_string()
    } else {
        format!("Content-Type {kind:?}")
    };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "request bodies must be JSON sent as `Content-Type: application/json` (this one has \
             {given}); with curl, add -H 'Content-Type: application/json'"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_lose_their_port_and_case() {
        assert_eq!(host_name("127.0.0.1:7780"), "127.0.0.1");
        assert_eq!(host_name("[::1]:7780"), "::1");
        assert_eq!(host_name("LocalHost."), "localhost");
        assert_eq!(host_name("evil.example:80"), "evil.example");
    }

    #[test]
    fn only_names_of_this_server_are_allowed() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let any: IpAddr = "0.0.0.0".parse().unwrap();
        let lan: IpAddr = "10.0.0.5".parse().unwrap();
        assert!(host_allowed("127.0.0.1", lo, &[]));
        assert!(host_allowed("::1", lo, &[]));
        assert!(host_allowed("localhost", lo, &[]));
        assert!(!host_allowed("evil.example", lo, &[]));
        assert!(!host_allowed("10.0.0.5", lo, &[]));
        assert!(host_allowed("10.0.0.5", lan, &[]));
        assert!(!host_allowed("localhost", lan, &[]));
        assert!(host_allowed("192.168.1.9", any, &[]));
        assert!(!host_allowed("evil.example", any, &[]));
        assert!(host_allowed("node1.lan", lan, &["Node1.lan".into()]));
    }
}
