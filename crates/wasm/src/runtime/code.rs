//! The code server: modules by name, each with a current and an old version.
//!
//! As in Erlang, at most two versions of a module run at once. Loading a new version makes
//! it current and the previous current one old; the version that was old before falls out,
//! and the processes still running it are purged. A rollback swaps current and old.
//! Version numbers count up per name and are never reused.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use parking_lot::RwLock;

use super::modules::{LoadCause, LoadError, LoadedModule};
use crate::events::SwapRecord;

/// How many versions' descriptions and swaps a module keeps for the inspector.
const HISTORY: usize = 64;

/// What is kept of a version after it is no longer loaded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct VersionInfo {
    /// Its number.
    pub version: u32,
    /// Hash of its bytes.
    pub hash: String,
    /// File size.
    pub size: u64,
    /// Where it came from.
    pub path: PathBuf,
    /// When it was loaded (ms since the Unix epoch).
    pub loaded_at_ms: u64,
    /// Why.
    pub cause: LoadCause,
}

/// The versions of one module.
struct Slot {
    current: Arc<LoadedModule>,
    old: Option<Arc<LoadedModule>>,
    next_version: u32,
    versions: Vec<VersionInfo>,
    history: Vec<SwapRecord>,
}

/// A module as the inspector sees it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ModuleInfo {
    /// Its name.
    pub name: String,
    /// `behaviour` or `main`.
    pub kind: &'static str,
    /// `core` (a module importing `hatchery_v1`) or `component` (the `hatchery:process`
    /// world).
    pub format: super::modules::ModuleKind,
    /// Whether its current version has both upgrade callbacks.
    pub upgradable: bool,
    /// Whether the processes of its current version run without a fiber (every call into
    /// them a plain synchronous call; see `LoadedModule::fiberless`).
    pub fiberless: bool,
    /// The current version.
    pub current: u32,
    /// The old version, if one is still loaded.
    pub old: Option<u32>,
    /// Where the current version came from.
    pub path: PathBuf,
    /// The versions loaded so far (the last 64).
    pub versions: Vec<VersionInfo>,
    /// The swaps so far (the last 64).
    pub history: Vec<SwapRecord>,
}

/// What installing a new version changed.
pub(crate) struct Installed {
    pub new: Arc<LoadedModule>,
    pub previous: Option<Arc<LoadedModule>>,
}

/// Modules by name.
#[derive(Default)]
pub(crate) struct CodeServer {
    slots: RwLock<HashMap<Arc<str>, Slot>>,
}

/// Milliseconds from the Unix epoch to `t` (0 before it).
pub fn now_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis() as u64
}

impl CodeServer {
    /// The current version of `name`.
    pub fn current(&self, name: &str) -> Option<Arc<LoadedModule>> {
        self.slots.read().get(name).map(|s| s.current.clone())
    }

    /// The current and the old version of `name`.
    pub fn pair(&self, name: &str) -> Option<(Arc<LoadedModule>, Option<Arc<LoadedModule>>)> {
        self.slots
            .read()
            .get(name)
            .map(|s| (s.current.clone(), s.old.clone()))
    }

    /// A loaded version of `name` (current or old).
    pub fn version(&self, name: &str, version: u32) -> Option<Arc<LoadedModule>> {
        let slots = self.slots.read();
        let slot = slots.get(name)?;
        if slot.current.version == version {
            return Some(slot.current.clone());
        }
        slot.old.clone().filter(|m| m.version == version)
    }

    /// The current version of every module, by name.
    pub fn all_current(&self) -> Vec<Arc<LoadedModule>> {
        let mut v: Vec<_> = self
            .slots
            .read()
            .values()
            .map(|s| s.current.clone())
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// The hash of the current version of `name`.
    pub fn current_hash(&self, name: &str) -> Option<String> {
        self.slots.read().get(name).map(|s| s.current.hash.clone())
    }

    /// Makes `module` the current version of its name. `Ok(None)` when its bytes equal
    /// the current version's (nothing changes).
    pub fn install(
        &self,
        mut module: LoadedModule,
        cause: LoadCause,
    ) -> Result<Option<Installed>, LoadError> {
        let mut slots = self.slots.write();
        module.cause = cause;
        let Some(slot) = slots.get_mut(&module.name) else {
            module.version = 1;
            module.cause = LoadCause::Initial;
            let new = Arc::new(module);
            slots.insert(
                new.name.clone(),
                Slot {
                    current: new.clone(),
                    old: None,
                    next_version: 2,
                    versions: vec![info(&new)],
                    history: Vec::new(),
                },
            );
            return Ok(Some(Installed {
                new,
                previous: None,
            }));
        };
        if slot.current.hash == module.hash {
            return Ok(None);
        }
        if slot.current.is_behaviour && !module.is_behaviour {
            return Err(LoadError::KindChanged {
                path: module.path.clone(),
                name: module.name.to_string(),
                version: slot.current.version,
            });
        }
        module.version = slot.next_version;
        slot.next_version += 1;
        let new = Arc::new(module);
        let previous = std::mem::replace(&mut slot.current, new.clone());
        // The version that was old falls out; the swap purges its processes.
        slot.old = Some(previous.clone());
        push_bounded(&mut slot.versions, info(&new));
        Ok(Some(Installed {
            new,
            previous: Some(previous),
        }))
    }

    /// Makes the old version of `name` current again (and the current one old).
    pub fn rollback(&self, name: &str) -> Result<Installed, LoadError> {
        let mut slots = self.slots.write();
        let slot = slots
            .get_mut(name)
            .ok_or_else(|| LoadError::UnknownModule(name.to_string()))?;
        let old = slot
            .old
            .take()
            .ok_or_else(|| LoadError::NoPrevious(name.to_string()))?;
        let previous = std::mem::replace(&mut slot.current, old.clone());
        slot.old = Some(previous.clone());
        Ok(Installed {
            new: old,
            previous: Some(previous),
        })
    }

    /// Keeps the outcome of a swap in the module's history.
    pub fn record(&self, record: SwapRecord) {
        if let Some(slot) = self.slots.write().get_mut(record.module.as_str()) {
            push_bounded(&mut slot.history, record);
        }
    }

    /// What the inspector shows of every module.
    pub fn infos(&self) -> Vec<ModuleInfo> {
        let mut v: Vec<ModuleInfo> = self
            .slots
            .read()
            .values()
            .map(|s| ModuleInfo {
                name: s.current.name.to_string(),
                kind: if s.current.is_behaviour {
                    "behaviour"
                } else {
                    "main"
                },
                format: s.current.kind,
                upgradable: s.current.can_save && s.current.can_change,
                fiberless: s.current.fiberless,
                current: s.current.version,
                old: s.old.as_ref().map(|m| m.version),
                path: s.current.path.clone(),
                versions: s.versions.clone(),
                history: s.history.clone(),
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

fn info(m: &LoadedModule) -> VersionInfo {
    VersionInfo {
        version: m.version,
        hash: m.hash.clone(),
        size: m.size,
        path: m.path.clone(),
        loaded_at_ms: now_ms(m.loaded_at),
        cause: m.cause,
    }
}

fn push_bounded<T>(v: &mut Vec<T>, item: T) {
    if v.len() >= HISTORY {
        v.remove(0);
    }
    v.push(item);
}
