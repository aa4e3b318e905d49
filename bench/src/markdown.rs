//! `--write FILE`: the generated tables go into a Markdown file between marker comments,
//! and everything else in it (the hand-written explanations of BENCHMARKS.md) stays.
//!
//! A block named `table` sits between `<!-- hatchery-bench:table -->` and
//! `<!-- /hatchery-bench:table -->`. A new file gets every block with its markers.

use std::path::Path;

use anyhow::{Context as _, bail};

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- hatchery-bench:{name} -->"),
        format!("<!-- /hatchery-bench:{name} -->"),
    )
}

/// Replaces each named block of `path` with its new text, or writes a new file.
///
/// # Errors
///
/// When the file cannot be read or written, or lacks the markers of a block (then the
/// file is left as it was).
pub fn write_blocks(path: &Path, blocks: &[(&str, &str)]) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => {
            splice(&text, blocks).with_context(|| format!("not writing {}", path.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => blocks
            .iter()
            .map(|(name, body)| {
                let (begin, end) = markers(name);
                format!("{begin}\n{}\n{end}\n", body.trim_end())
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// `text` with each block's markers enclosing its new body.
fn splice(text: &str, blocks: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut text = text.to_string();
    for (name, body) in blocks {
        let (begin, end) = markers(name);
        let (Some(b), Some(e)) = (text.find(&begin), text.find(&end)) else {
            bail!("it has no `{begin}` … `{end}` markers around the {name} (add them once)");
        };
        if e < b {
            bail!("its `{end}` comes before `{begin}`");
        }
        text.replace_range(b + begin.len()..e, &format!("\n{}\n", body.trim_end()));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_marked_block_changes() {
        let before = "# Title\n\nprose\n<!-- hatchery-bench:table -->\nold\n<!-- /hatchery-bench:table -->\nmore prose\n";
        let after = splice(before, &[("table", "| new |\n")]).expect("markers are there");
        assert_eq!(
            after,
            "# Title\n\nprose\n<!-- hatchery-bench:table -->\n| new |\n<!-- /hatchery-bench:table -->\nmore prose\n"
        );
    }

    #[test]
    fn missing_markers_are_an_error() {
        assert!(splice("# no markers\n", &[("table", "x")]).is_err());
        let reversed = "<!-- /hatchery-bench:table -->\n<!-- hatchery-bench:table -->\n";
        assert!(splice(reversed, &[("table", "x")]).is_err());
    }
}
