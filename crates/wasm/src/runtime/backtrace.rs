//! The Wasm backtraces of crash reports, formatted once per module and call path.
//!
//! wasmtime formats a backtrace by demangling every frame's function name, about half of
//! what a crash costs a Rust guest (BENCHMARKS.md, "Crashes"). A child that crashes again
//! and again after each restart crashes on the same path, so the text of a module's
//! backtrace is kept by the frames it was made of: the function indexes and Wasm offsets,
//! which name the text exactly.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use wasmtime::{Module, WasmBacktrace};

/// The most texts one module keeps; further paths are formatted each time.
const MOST_PATHS: usize = 64;

/// A call path: each frame's function index and Wasm offset (`u32::MAX`: none).
type Path = Box<[(u32, u32)]>;

/// The backtrace texts of one core module's crashes.
pub(crate) struct Backtraces {
    /// The module whose frames are cached; `None` for a component (its frames belong to
    /// several inner modules), whose backtraces are formatted each time.
    module: Option<Module>,
    texts: Mutex<HashMap<Path, Arc<str>>>,
}

impl Backtraces {
    pub fn new(module: Option<Module>) -> Arc<Backtraces> {
        Arc::new(Backtraces {
            module,
            texts: Mutex::new(HashMap::new()),
        })
    }

    /// `bt` as text, as wasmtime formats it.
    pub fn text(&self, bt: &WasmBacktrace) -> Arc<str> {
        let Some(module) = &self.module else {
            return bt.to_string().into();
        };
        // Function indexes and offsets name a frame only within one module: a path that
        // leaves this one is not cached (a store holds one core instance, so this is a
        // guard, not a case seen).
        if !bt.frames().iter().all(|f| Module::same(f.module(), module)) {
            return bt.to_string().into();
        }
        let path: Path = bt
            .frames()
            .iter()
            .map(|f| {
                let offset = f.module_offset().and_then(|o| u32::try_from(o).ok());
                (f.func_index(), offset.unwrap_or(u32::MAX))
            })
            .collect();
        if let Some(text) = self.texts.lock().get(&path) {
            return text.clone();
        }
        let text: Arc<str> = bt.to_string().into();
        let mut texts = self.texts.lock();
        if texts.len() < MOST_PATHS {
            texts.insert(path, text.clone());
        }
        text
    }
}
