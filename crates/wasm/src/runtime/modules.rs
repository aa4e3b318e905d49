//! Compiled modules: what a name spawns.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use wasmtime::{ExternType, InstancePre, Module};

use super::Runtime;
use super::state::{ProcessState, WasiKind};

/// The callback a behaviour-style module exports: `(kind: i32, sender: i64, size: i32) -> ()`.
pub const HANDLE_EXPORT: &str = "hatchery_handle";
/// The upgrade export of the old version: `() -> i64`, the state as a packed
/// `(ptr << 32) | len` in its memory.
pub const SAVE_EXPORT: &str = "hatchery_state_save";
/// The upgrade export of the new version: `(old_version: i32, size: i32) -> i64`; 0
/// accepts the state (read with `message_read`), anything else refuses it and points to
/// the reason, packed like the state.
pub const CHANGE_EXPORT: &str = "hatchery_code_change";

/// What sets core modules and components apart, found when compiling.
struct Shape {
    entry: Entry,
    has_initialize: bool,
    kind: ModuleKind,
    wasi: WasiKind,
    is_behaviour: bool,
    can_save: bool,
    can_change: bool,
    fiberless: bool,
    pre: Pre,
}

/// Whether every import of a core module is a plain function: no `hatchery_v1` call that
/// may wait ([`crate::abi::BLOCKING`]), WASI only from the synchronous subset. A behaviour
/// importing only these runs without a fiber (a main-style process keeps its fiber: its
/// whole life is one call, which must stay preemptible).
fn imports_only_plain_calls(module: &Module) -> bool {
    use crate::abi::{self, wasi_sync};
    module.imports().all(|i| match i.module() {
        abi::MODULE => !abi::BLOCKING.contains(&i.name()),
        wasi_sync::MODULE => wasi_sync::SUBSET.contains(&i.name()),
        _ => false,
    })
}

/// Why a version was loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadCause {
    /// Loaded when the node started (or first seen).
    Initial,
    /// The file watcher saw the file change.
    Watch,
    /// Loaded by hand (CLI, HTTP API or a library call).
    Manual,
    /// Made current again by a rollback.
    Rollback,
}

impl std::fmt::Display for LoadCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoadCause::Initial => "initial",
            LoadCause::Watch => "watch",
            LoadCause::Manual => "manual",
            LoadCause::Rollback => "rollback",
        })
    }
}

/// The export a process starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `hatchery_main`.
    Main,
    /// A WASI command's `_start`.
    Start,
    /// A component's `run` (world `process`).
    Run,
    /// A component's `start` (world `behaviour`): its init.
    Init,
}

impl Entry {
    /// The export name.
    pub fn export(self) -> &'static str {
        match self {
            Entry::Main => "hatchery_main",
            Entry::Start => "_start",
            Entry::Run => crate::component::exports::RUN,
            Entry::Init => crate::component::exports::START,
        }
    }
}

/// What a module file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModuleKind {
    /// A core module importing `hatchery_v1`.
    Core,
    /// A component of the `hatchery:process` world.
    Component,
}

/// A compiled module, pre-linked against the node's imports.
pub(crate) enum Pre {
    Core(InstancePre<ProcessState>),
    Component(wasmtime::component::InstancePre<ProcessState>),
}

/// A module ready to spawn: compiled, checked and pre-linked.
pub struct LoadedModule {
    /// Its name (the file stem).
    pub name: Arc<str>,
    /// Where it was loaded from.
    pub path: PathBuf,
    /// A hash of its bytes (hex), to tell versions apart.
    pub hash: String,
    /// Size of the file in bytes.
    pub size: u64,
    /// When it was loaded.
    pub loaded_at: SystemTime,
    /// The entry export.
    pub entry: Entry,
    /// Whether it exports `_initialize` (a WASI reactor).
    pub has_initialize: bool,
    /// A core module or a component.
    pub kind: ModuleKind,
    /// Which WASI it imports (so its processes get a context for it).
    pub(crate) wasi: WasiKind,
    /// Whether it exports `hatchery_handle`: a behaviour-style module, whose processes
    /// live on after the entry returns and get each message through that callback.
    pub is_behaviour: bool,
    /// Whether it exports `hatchery_state_save` (its processes can hand their state on).
    pub can_save: bool,
    /// Whether it exports `hatchery_code_change` (it can take over a state).
    pub can_change: bool,
    /// Whether its processes run without a fiber: a core behaviour that imports nothing
    /// that may wait, so every call into it (init, callbacks, the upgrade callbacks) is a
    /// plain synchronous call on the worker's stack (see [`imports_only_plain_calls`]).
    pub fiberless: bool,
    /// Its version number under its name: 1, 2, 3, … in load order (0 until installed).
    pub version: u32,
    /// Why it was loaded.
    pub cause: LoadCause,
    pub(crate) pre: Pre,
    /// Its crashes' backtraces, formatted once per call path.
    pub(crate) backtraces: Arc<super::backtrace::Backtraces>,
}

/// Why a module could not be loaded. Each message names the file and says what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bytes are not a valid Wasm module.
    #[error("{path} is not a valid WebAssembly module: {reason}")]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What the validator said.
        reason: String,
    },
    /// A required export is missing.
    #[error("{path} does not export {what}; a Hatchery guest must (see guest-sdk/ABI.md §1)")]
    MissingExport {
        /// The path.
        path: PathBuf,
        /// What is missing.
        what: String,
    },
    /// An import the host does not provide.
    #[error(
        "{path} imports `{module}.{name}`, which this host does not provide (only `hatchery_v1` and `wasi_snapshot_preview1`, see guest-sdk/ABI.md){hint}"
    )]
    UnknownImport {
        /// The path.
        path: PathBuf,
        /// The import module.
        module: String,
        /// The import name.
        name: String,
        /// What to change, when the import is a known toolchain's default.
        hint: String,
    },
    /// The module's initial memory is over the cap its processes get.
    #[error(
        "{path} needs {needed_mib} MiB of memory at start (its initial memory), over the {cap_mib} MiB cap of `{name}`'s processes. {advice}"
    )]
    MemoryOverCap {
        /// The path.
        path: PathBuf,
        /// The module name.
        name: String,
        /// The initial memory, in MiB (rounded up).
        needed_mib: u64,
        /// The cap, in MiB.
        cap_mib: u64,
        /// What to change.
        advice: String,
    },
    /// Linking failed for another reason (for example an import with the wrong type).
    #[error("{path} cannot be linked: {reason}")]
    Link {
        /// The path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The compiler thread panicked.
    #[error("compiling a module panicked")]
    Panicked,
    /// A new version would change what kind of module it is.
    #[error(
        "{path}: `{name}` v{version} is a behaviour (it exports hatchery_handle) but the new file is not; v{version} stays current"
    )]
    KindChanged {
        /// The path.
        path: PathBuf,
        /// The module.
        name: String,
        /// The current version.
        version: u32,
    },
    /// A rollback or reload named a module that is not loaded.
    #[error("no module named `{0}` is loaded")]
    UnknownModule(String),
    /// A rollback with nothing to roll back to.
    #[error("`{0}` has no previous version to roll back to")]
    NoPrevious(String),
}

/// The module files (`.wasm`, `.wat`) in a folder, sorted.
pub fn module_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let read = |source| LoadError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        if path.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("wasm" | "wat")
            )
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The module name a file gives: its stem.
pub fn module_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads a module file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl LoadedModule {
    pub(crate) fn compile(rt: &Runtime, path: &Path) -> Result<Self, LoadError> {
        let bytes = read(path)?;
        Self::compile_bytes(rt, path, &bytes)
    }

    /// The hash `compile` would give these bytes.
    pub(crate) fn hash_of(bytes: &[u8]) -> String {
        fnv1a(bytes)
    }

    /// Whether its processes are components.
    pub fn is_component(&self) -> bool {
        self.kind == ModuleKind::Component
    }

    pub(crate) fn compile_bytes(
        rt: &Runtime,
        path: &Path,
        bytes: &[u8],
    ) -> Result<Self, LoadError> {
        if super::components::is_component(bytes) {
            return Self::compile_component(rt, path, bytes);
        }
        let invalid = |e: wasmtime::Error| LoadError::Invalid {
            path: path.to_path_buf(),
            reason: format!("{e:#}"),
        };
        let cap = rt.memory_for(&module_name(path));
        let module = Module::new(&rt.engine, bytes).map_err(|e| {
            // The instance pool refuses a memory over its slot size while compiling.
            match pool_refused_memory(&e) {
                Some(initial) => Self::over_cap(path, initial, cap),
                None => invalid(e),
            }
        })?;
        Self::check(path, &module)?;
        Self::check_memory(path, &module, cap)?;
        // Build the copy-on-write memory image now, on the compiling thread, rather than in
        // the first instantiation (a swap's first upgrade would pay for it).
        module.initialize_copy_on_write_image().map_err(invalid)?;
        let exports = |name: &str| {
            module
                .exports()
                .any(|e| e.name() == name && matches!(e.ty(), ExternType::Func(_)))
        };
        let is_behaviour = exports(HANDLE_EXPORT);
        let fiberless = is_behaviour && imports_only_plain_calls(&module);
        let linker = if fiberless {
            &rt.sync_linker
        } else {
            &rt.linker
        };
        let pre = linker
            .instantiate_pre(&module)
            .map_err(|e| LoadError::Link {
                path: path.to_path_buf(),
                reason: format!("{e:#}"),
            })?;
        let entry = if exports("hatchery_main") {
            Entry::Main
        } else {
            Entry::Start
        };
        let uses_wasi = module
            .imports()
            .any(|i| i.module() == "wasi_snapshot_preview1");
        Ok(Self::new(
            path,
            bytes,
            Shape {
                entry,
                has_initialize: exports("_initialize"),
                kind: ModuleKind::Core,
                // A fiber-less process's WASI calls need no WASI context.
                wasi: if uses_wasi && !fiberless {
                    WasiKind::P1
                } else {
                    WasiKind::None
                },
                is_behaviour,
                can_save: exports(SAVE_EXPORT),
                can_change: exports(CHANGE_EXPORT),
                fiberless,
                pre: Pre::Core(pre),
            },
        ))
    }

    fn compile_component(rt: &Runtime, path: &Path, bytes: &[u8]) -> Result<Self, LoadError> {
        let engine = &rt.components.engine;
        let component =
            wasmtime::component::Component::new(engine, bytes).map_err(|e| LoadError::Invalid {
                path: path.to_path_buf(),
                reason: format!("{e:#}"),
            })?;
        let world = super::components::world(path, engine, &component)?;
        let pre = super::components::link(path, &rt.components.linker, &component)?;
        Ok(Self::new(
            path,
            bytes,
            Shape {
                entry: if world.behaviour {
                    Entry::Init
                } else {
                    Entry::Run
                },
                has_initialize: false,
                kind: ModuleKind::Component,
                wasi: WasiKind::P2,
                is_behaviour: world.behaviour,
                can_save: world.upgradable,
                can_change: world.upgradable,
                fiberless: false,
                pre: Pre::Component(pre),
            },
        ))
    }

    /// A module of these bytes from `path` with this shape, not yet installed.
    fn new(path: &Path, bytes: &[u8], shape: Shape) -> Self {
        let Shape {
            entry,
            has_initialize,
            kind,
            wasi,
            is_behaviour,
            can_save,
            can_change,
            fiberless,
            pre,
        } = shape;
        let backtraces = super::backtrace::Backtraces::new(match &pre {
            Pre::Core(pre) => Some(pre.module().clone()),
            Pre::Component(_) => None,
        });
        LoadedModule {
            name: Arc::from(module_name(path)),
            path: path.to_path_buf(),
            hash: fnv1a(bytes),
            size: bytes.len() as u64,
            loaded_at: SystemTime::now(),
            entry,
            has_initialize,
            kind,
            wasi,
            is_behaviour,
            can_save,
            can_change,
            fiberless,
            version: 0,
            cause: LoadCause::Initial,
            pre,
            backtraces,
        }
    }

    /// Refuses a module whose initial memory is over the cap of its processes, with
    /// the usual causes and the fix, instead of failing every spawn.
    fn check_memory(path: &Path, module: &Module, cap: usize) -> Result<(), LoadError> {
        let initial: u64 = module
            .imports()
            .map(|i| i.ty())
            .chain(module.exports().map(|e| e.ty()))
            .filter_map(|t| t.memory().map(|m| m.minimum()))
            .max()
            .unwrap_or(0)
            .saturating_mul(64 << 10);
        if initial <= cap as u64 {
            return Ok(());
        }
        Err(Self::over_cap(path, initial, cap))
    }

    /// The error for a module whose initial memory (`initial` bytes) is over `cap`.
    fn over_cap(path: &Path, initial: u64, cap: usize) -> LoadError {
        let name = module_name(path);
        let needed_mib = initial.div_ceil(1 << 20);
        LoadError::MemoryOverCap {
            path: path.to_path_buf(),
            name: name.clone(),
            needed_mib,
            cap_mib: (cap as u64) >> 20,
            advice: format!(
                "Usual causes: a Zig `wasm32-wasi` executable's default 16 MiB stack (build with \
                 `--stack 262144`), Go before 1.24 (use Go 1.24 or newer). Or raise the cap: \
                 `[modules.{name}] max_memory_mib = {}` in hatchery.toml, or `--max-memory-mib`.",
                needed_mib + 1
            ),
        }
    }

    fn check(path: &Path, module: &Module) -> Result<(), LoadError> {
        let missing = |what: &str| LoadError::MissingExport {
            path: path.to_path_buf(),
            what: what.to_string(),
        };
        let has = |name: &str, func: bool| {
            module.exports().any(|e| {
                e.name() == name
                    && if func {
                        matches!(e.ty(), ExternType::Func(_))
                    } else {
                        matches!(e.ty(), ExternType::Memory(_))
                    }
            })
        };
        if !has("memory", false) {
            return Err(missing("a memory named `memory`"));
        }
        if !has("hatchery_main", true) && !has("_start", true) {
            return Err(missing("an entry function (`hatchery_main` or `_start`)"));
        }
        for export in module.exports() {
            if let ExternType::Func(f) = export.ty()
                && matches!(export.name(), "hatchery_main" | "_start" | "_initialize")
                && (f.params().len() != 0 || f.results().len() != 0)
            {
                return Err(LoadError::Link {
                    path: path.to_path_buf(),
                    reason: format!(
                        "the entry `{}` must take no parameters and return nothing",
                        export.name()
                    ),
                });
            }
        }
        if let Some(handle) = module.exports().find(|e| e.name() == HANDLE_EXPORT)
            && let ExternType::Func(f) = handle.ty()
        {
            let params: Vec<String> = f.params().map(|p| p.to_string()).collect();
            if params != ["i32", "i64", "i32"] || f.results().len() != 0 {
                return Err(LoadError::Link {
                    path: path.to_path_buf(),
                    reason: format!("`{HANDLE_EXPORT}` must have the type (i32, i64, i32) -> ()"),
                });
            }
        }
        for (name, want) in [
            (SAVE_EXPORT, (Vec::<&str>::new(), vec!["i64"])),
            (CHANGE_EXPORT, (vec!["i32", "i32"], vec!["i64"])),
        ] {
            if let Some(export) = module.exports().find(|e| e.name() == name)
                && let ExternType::Func(f) = export.ty()
            {
                let params: Vec<String> = f.params().map(|p| p.to_string()).collect();
                let results: Vec<String> = f.results().map(|p| p.to_string()).collect();
                if params != want.0 || results != want.1 {
                    return Err(LoadError::Link {
                        path: path.to_path_buf(),
                        reason: format!(
                            "`{name}` must have the type ({}) -> {}",
                            want.0.join(", "),
                            want.1.join(", ")
                        ),
                    });
                }
            }
        }
        for import in module.imports() {
            let known = match import.module() {
                "hatchery_v1" => crate::abi::FUNCTIONS.contains(&import.name()),
                "wasi_snapshot_preview1" => true,
                _ => false,
            };
            if !known {
                return Err(LoadError::UnknownImport {
                    path: path.to_path_buf(),
                    module: import.module().to_string(),
                    name: import.name().to_string(),
                    hint: import_hint(import.module(), import.name()),
                });
            }
        }
        Ok(())
    }
}

/// The initial memory in bytes, when compiling failed because the instance pool's slots
/// are smaller ("memory has a minimum byte size of N which exceeds the limit ...").
fn pool_refused_memory(e: &wasmtime::Error) -> Option<u64> {
    let text = format!("{e:#}");
    let (_, rest) = text.split_once("minimum byte size of ")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// What to change for an import that a known toolchain adds by default.
fn import_hint(module: &str, name: &str) -> String {
    match (module, name) {
        ("env", "abort") => ". It is AssemblyScript's default abort handler: build with \
             `--use abort=<your handler>` (guest-sdk/assemblyscript/README.md shows one)"
            .into(),
        ("env", "trace" | "seed") => format!(
            ". It is AssemblyScript's `{name}`: avoid `{}` or give it with `--use {name}=...`",
            if name == "seed" {
                "Math.random"
            } else {
                "trace()"
            }
        ),
        ("env", _) => ". An `env` import is usually a C function declared but not defined: link \
             it in, or build with the guest SDK (guest-sdk/<language>/README.md)"
            .into(),
        ("wasi_unstable", _) => ". `wasi_unstable` is the WASI snapshot before preview 1: \
             rebuild with a newer toolchain"
            .into(),
        (m, _) if m.starts_with("wasi:") || m.contains('/') => ". It looks like a component \
             import: build a component (guest-sdk/wit) or a core module for wasm32-wasip1"
            .into(),
        _ => String::new(),
    }
}
