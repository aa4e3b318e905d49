//! Embeds into the binary the project templates of `hatchery new`
//! (`guest-sdk/<lang>/template/`, with the language's library `guest-sdk/<lang>/hatchery/`
//! and, for components, the WIT world `guest-sdk/wit/`) as `TEMPLATES`.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    templates();
}

/// The languages `hatchery new` knows, and whether their projects get the WIT world.
const LANGS: &[(&str, bool)] = &[
    ("rust", false),
    ("c", false),
    ("zig", false),
    ("assemblyscript", false),
    ("go", false),
    ("js", true),
    ("python", true),
];

/// Every file under `dir` (build output and caches left out), relative to it, sorted.
fn files_under(dir: &std::path::Path) -> Vec<(String, PathBuf)> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<(String, PathBuf)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if matches!(
                name.as_str(),
                "node_modules" | "target" | "__pycache__" | ".zig-cache"
            ) || name.ends_with(".wasm")
            {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push((rel.to_string_lossy().into_owned(), path));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn templates() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let sdk = manifest.join("../guest-sdk");
    let mut out = String::from(
        "/// The files of one new project: path in the project, bytes.\n\
         pub(crate) type TemplateFiles = &'static [(&'static str, &'static [u8])];\n\
         /// Per language, the files of a new project.\n\
         pub(crate) static TEMPLATES: &[(&str, TemplateFiles)] = &[\n",
    );
    for (lang, wit) in LANGS {
        let mut sources = vec![(String::new(), sdk.join(lang).join("template"))];
        sources.push(("hatchery/".into(), sdk.join(lang).join("hatchery")));
        if *wit {
            sources.push(("wit/".into(), sdk.join("wit")));
        }
        let _ = writeln!(out, "    ({lang:?}, &[");
        for (prefix, dir) in sources {
            println!("cargo:rerun-if-changed={}", dir.display());
            for (rel, path) in files_under(&dir) {
                let path = std::fs::canonicalize(&path).unwrap_or(path);
                let _ = writeln!(
                    out,
                    "        ({:?}, include_bytes!({path:?})),",
                    format!("{prefix}{rel}")
                );
            }
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("templates.rs");
    std::fs::write(dest, out).expect("write templates.rs");
}
