//! The inspector's static files, embedded at build time (see `crates/http/build.rs`).

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::Ctx;

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

pub(super) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/", get(|| async { asset("index.html") }))
        .route(
            "/ui/{file}",
            get(|Path(file): Path<String>| async move { asset(&file) }),
        )
}

fn asset(name: &str) -> Response {
    match WEB_ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, bytes, mime)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_web_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
        for entry in std::fs::read_dir(dir).expect("web/ exists").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                super::WEB_ASSETS.iter().any(|(n, _, _)| *n == name),
                "{name} is not embedded"
            );
        }
        assert!(super::WEB_ASSETS.iter().any(|(n, _, _)| *n == "index.html"));
    }
}
