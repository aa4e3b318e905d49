//! `hatchery new --lang <lang> NAME`: a small project that builds to one module.
//!
//! The templates are embedded at build time (`host/build.rs`): each language's
//! `guest-sdk/<lang>/template/`, its library `guest-sdk/<lang>/hatchery/` (written to
//! `NAME/hatchery/`) and, for the component languages, the WIT world (`NAME/wit/`).
//! `{{name}}` in file names and contents becomes the project's name; `{{sdk}}` the path of
//! the Rust SDK.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

#[derive(Args)]
pub struct NewArgs {
    /// The project's name: also its module's name (lowercase letters, digits and `_`).
    name: String,
    /// The language: rust, c, zig, assemblyscript (as), go, js (javascript), python (py).
    #[arg(long, default_value = "rust")]
    lang: String,
    /// Where to create the project's folder.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// The Rust SDK (`guest-sdk/` of a Hatchery checkout), for `--lang rust`.
    #[arg(long, env = "HATCHERY_SDK")]
    sdk: Option<PathBuf>,
}

/// The template's language name for what the user typed.
fn language(lang: &str) -> anyhow::Result<&'static str> {
    Ok(match lang.to_ascii_lowercase().as_str() {
        "rust" | "rs" => "rust",
        "c" => "c",
        "zig" => "zig",
        "assemblyscript" | "as" => "assemblyscript",
        "go" | "golang" => "go",
        "js" | "javascript" => "js",
        "python" | "py" => "python",
        other => {
            bail!("unknown language `{other}`: pick rust, c, zig, assemblyscript, go, js or python")
        }
    })
}

/// A module name that every language can use as an identifier and a file name.
fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!(
            "`{name}` cannot be a module name: use 1 to 64 lowercase letters, digits and `_`, \
             starting with a letter (for example `hello_world`)"
        );
    }
    Ok(())
}

/// The Rust SDK: the flag, else the checkout this binary was built from.
fn rust_sdk(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let sdk = match given {
        Some(p) => p.to_path_buf(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../guest-sdk"),
    };
    let sdk = std::fs::canonicalize(&sdk).unwrap_or(sdk);
    if !sdk.join("Cargo.toml").is_file() {
        bail!(
            "the Rust SDK is not at {}: pass --sdk <hatchery checkout>/guest-sdk (or set HATCHERY_SDK)",
            sdk.display()
        );
    }
    Ok(sdk)
}

pub fn new(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let lang = language(&args.lang)?;
    check_name(&args.name)?;
    let files = TEMPLATES
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, f)| *f)
        .filter(|f| !f.is_empty())
        .with_context(|| format!("this build of hatchery has no {lang} template"))?;
    let sdk = match lang {
        "rust" => Some(rust_sdk(args.sdk.as_deref())?),
        _ => None,
    };
    let root = args.dir.join(&args.name);
    if root.exists() {
        bail!(
            "{} already exists; pick another name or --dir",
            root.display()
        );
    }
    let fill = |text: &str| {
        let text = text.replace("{{name}}", &args.name);
        match &sdk {
            Some(sdk) => text.replace("{{sdk}}", &sdk.display().to_string()),
            None => text,
        }
    };
    for (rel, bytes) in files {
        let path = root.join(fill(rel));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let contents = match std::str::from_utf8(bytes) {
            Ok(text) => fill(text).into_bytes(),
            Err(_) => bytes.to_vec(),
        };
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
        if rel.ends_with(".sh") {
            make_executable(&path)?;
        }
    }
    let shown = root.display();
    println!("created {shown} ({lang}): a hello server with call, cast and hot swap");
    println!(
        "  build: cd {shown} && ./build.sh      (writes {}.wasm)",
        args.name
    );
    // Python's runtime takes about 12 MiB of the default 16 MiB cap.
    let cap = if lang == "python" {
        "--max-memory-mib 64 "
    } else {
        ""
    };
    println!("  run:   hatchery run {cap}{shown}/{}.wasm", args.name);
    println!("  see {shown}/README.md");
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("making {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_languages_are_checked() {
        assert!(check_name("hello_world2").is_ok());
        for bad in ["", "Hello", "2x", "a-b", "a b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(language("Py").ok(), Some("python"));
        assert_eq!(language("as").ok(), Some("assemblyscript"));
        assert!(language("cobol").is_err());
    }

    #[test]
    fn every_language_has_a_template() {
        for (lang, files) in TEMPLATES {
            assert!(
                files.iter().any(|(p, _)| p.ends_with("build.sh")),
                "{lang}: no build.sh in its template"
            );
        }
    }
}
