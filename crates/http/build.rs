//! Embeds the inspector's static files (`web/`): every file in the folder becomes an
//! entry of `WEB_ASSETS` (name, bytes, content type).

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    web_assets();
}

fn web_assets() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web = manifest.join("../../web");
    println!("cargo:rerun-if-changed={}", web.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&web)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from("/// The files of `web/`: name, bytes, content type.\n");
    out.push_str("pub(crate) static WEB_ASSETS: &[(&str, &[u8], &str)] = &[\n");
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let mime = match f.extension().and_then(|e| e.to_str()) {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            Some("json") => "application/json",
            Some("md") => "text/markdown; charset=utf-8",
            _ => "application/octet-stream",
        };
        let path = std::fs::canonicalize(&f).unwrap_or(f.clone());
        let _ = writeln!(out, "    ({name:?}, include_bytes!({path:?}), {mime:?}),");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("web_assets.rs");
    std::fs::write(dest, out).expect("write web_assets.rs");
}
