//! Loading a component: which world of `hatchery:process` it implements, and clear
//! errors for one that imports what the node does not provide or exports another world.

use std::path::Path;

use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::{Component, InstancePre, Linker};

use super::modules::LoadError;
use super::state::ProcessState;
use crate::component::exports;

/// Whether these bytes are a component (not a core module): the version and layer fields
/// of the header (bytes 4..8) are `0d 00 01 00` for components, `01 00 00 00` for modules.
pub(crate) fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[4..8] == [0x0d, 0x00, 0x01, 0x00]
}

/// What the node gives components, for error messages.
const PROVIDED: &str = "hatchery:process/host, and WASI 0.2's wasi:cli, wasi:clocks, wasi:io, \
    wasi:random, wasi:filesystem (only the folders the manifest grants) and wasi:sockets \
    (no network is granted)";

/// Which world a component implements.
pub(crate) struct World {
    /// `start` + `handle` (a behaviour) rather than `run`.
    pub behaviour: bool,
    /// `state-save` and `code-change` too.
    pub upgradable: bool,
}

fn func<'a>(
    component: &'a Component,
    engine: &'a wasmtime::Engine,
    name: &str,
) -> Option<ComponentFunc> {
    match component.component_type().get_export(engine, name)?.ty {
        ComponentItem::ComponentFunc(f) => Some(f),
        _ => None,
    }
}

/// Checks the exports against the three worlds of guest-sdk/wit/process.wit.
pub(crate) fn world(
    path: &Path,
    engine: &wasmtime::Engine,
    component: &Component,
) -> Result<World, LoadError> {
    let link = |reason: String| LoadError::Link {
        path: path.to_path_buf(),
        reason,
    };
    let plain = |f: &ComponentFunc| f.params().len() == 0 && f.results().len() == 0;
    let has = |name: &str| func(component, engine, name);
    let (run, start, handle) = (has(exports::RUN), has(exports::START), has(exports::HANDLE));
    let (save, change) = (has(exports::STATE_SAVE), has(exports::CODE_CHANGE));
    if let Some(f) = &run {
        if !plain(f) {
            return Err(link(
                "the export `run` must be `func()` (world `process`)".into(),
            ));
        }
        return Ok(World {
            behaviour: false,
            upgradable: false,
        });
    }
    let (Some(start), Some(handle)) = (start, handle) else {
        let found: Vec<String> = component
            .component_type()
            .exports(engine)
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        return Err(link(format!(
            "this component implements another world (it exports {}); a Hatchery component \
             implements a world of guest-sdk/wit/process.wit: `process` (export run), \
             `behaviour` (start, handle) or `upgradable-behaviour` (also state-save, code-change). \
             Build it against that folder, for example `componentize-py -d guest-sdk/wit -w process ...`",
            if found.is_empty() {
                "nothing".to_string()
            } else {
                found.join(", ")
            }
        )));
    };
    if !plain(&start) {
        return Err(link(
            "the export `start` must be `func()` (world `behaviour`)".into(),
        ));
    }
    let takes_message = handle.results().len() == 0
        && handle.params().len() == 1
        && handle.params().all(|(_, ty)| match ty {
            Type::Variant(v) => v
                .cases()
                .map(|c| c.name.to_string())
                .eq(["user", "exit", "down", "nodeup", "nodedown"]),
            _ => false,
        });
    if !takes_message {
        return Err(link(
            "the export `handle` must be `func(message: message)` of hatchery:process/host".into(),
        ));
    }
    match (save, change) {
        (None, None) => Ok(World {
            behaviour: true,
            upgradable: false,
        }),
        (Some(s), Some(c)) => {
            let save_ok = s.params().len() == 0 && s.results().len() == 1;
            let change_ok = c.params().len() == 2 && c.results().len() == 1;
            if !(save_ok && change_ok) {
                return Err(link(
                    "`state-save` must be `func() -> list<u8>` and `code-change` \
                     `func(old-version: u32, state: list<u8>) -> result<_, string>`"
                        .into(),
                ));
            }
            Ok(World {
                behaviour: true,
                upgradable: true,
            })
        }
        _ => Err(link(
            "a component with `state-save` must also export `code-change`, and the reverse \
             (world `upgradable-behaviour`)"
                .into(),
        )),
    }
}

/// Pre-links a component, saying which import the node lacks when one is missing.
pub(crate) fn link(
    path: &Path,
    linker: &Linker<ProcessState>,
    component: &Component,
) -> Result<InstancePre<ProcessState>, LoadError> {
    linker.instantiate_pre(component).map_err(|e| {
        let text = format!("{e:#}");
        // wasmtime names the missing import between backticks.
        let missing = text
            .split('`')
            .nth(1)
            .filter(|_| text.contains("not found"));
        match missing {
            Some(name) => LoadError::Link {
                path: path.to_path_buf(),
                reason: format!(
                    "it imports `{name}`, which this node does not provide to components (it \
                     provides {PROVIDED}); rebuild it without that import (for JavaScript, \
                     with guest-sdk/js/hatchery/componentize.sh)"
                ),
            },
            None => LoadError::Link {
                path: path.to_path_buf(),
                reason: text,
            },
        }
    })
}
