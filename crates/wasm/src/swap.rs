//! Hot code swap: loading a new version of a module and moving its processes onto it.
//!
//! A swap makes the new version current (new processes start on it at once) and then
//! goes through the module's live processes:
//! - a behaviour process whose old version can save its state and whose new version can
//!   take it gets an [`UpgradeTicket`]; it switches at its next message boundary, in its
//!   own task (see `runtime::instance`), keeping pid, name, links, monitors and mailbox;
//! - a behaviour without upgrade callbacks follows the node's [`UpgradePolicy`];
//! - a main-style process keeps running its version until it exits;
//! - a process on a version that is neither current nor old is purged.
//!
//! Swaps are serialized: one module version change at a time on a node.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::config::UpgradePolicy;
use crate::events::NodeEvent;
use crate::events::SwapRecord;
use crate::exit::ExitReason;
use crate::node::Node;
use crate::pid::Pid;
use crate::runtime::code::{Installed, ModuleInfo, now_ms};
use crate::runtime::modules::{LoadCause, LoadError, LoadedModule};

/// The prefix of the exit reason the `restart` policy ends a process with. Supervisors do
/// not count such restarts toward their intensity (the node marks the pid; the reason text
/// alone does not count).
pub const UPGRADE_RESTART_PREFIX: &str = "upgrade: ";

/// Counts the outcomes of one swap's upgrades as processes report them.
#[derive(Default)]
pub(crate) struct SwapTracker {
    state: Mutex<TrackerState>,
    done: Notify,
}

#[derive(Default)]
struct TrackerState {
    expected: u32,
    upgraded: u32,
    failed: u32,
    gone: u32,
    errors: Vec<String>,
    pause_max: Duration,
    pause_total: Duration,
}

impl TrackerState {
    fn reported(&self) -> u32 {
        self.upgraded + self.failed + self.gone
    }
}

/// A request to one behaviour process to switch to `target` at its next message
/// boundary. Dropped unused (the process exited, or a newer swap replaced it), it counts
/// as `gone`.
pub(crate) struct UpgradeTicket {
    pub target: Arc<LoadedModule>,
    /// Set when the process's version is being unloaded: if the upgrade fails, the
    /// process ends with this reason instead of staying.
    pub purge: Option<String>,
    tracker: Option<Arc<SwapTracker>>,
}

impl UpgradeTicket {
    /// Reports the outcome: the pause the process saw, or what went wrong.
    pub fn finish(mut self, pid: Pid, outcome: Result<Duration, String>) {
        let Some(tracker) = self.tracker.take() else {
            return;
        };
        {
            let mut s = tracker.state.lock();
            match outcome {
                Ok(pause) => {
                    s.upgraded += 1;
                    s.pause_max = s.pause_max.max(pause);
                    s.pause_total += pause;
                }
                Err(e) => {
                    s.failed += 1;
                    if s.errors.len() < 100 {
                        // Bounded: a guest chooses its refusal reason.
                        let e: String = e.chars().take(1000).collect();
                        s.errors.push(format!("{pid}: {e}"));
                    }
                }
            }
        }
        tracker.done.notify_waiters();
    }
}

impl Drop for UpgradeTicket {
    fn drop(&mut self) {
        if let Some(tracker) = self.tracker.take() {
            tracker.state.lock().gone += 1;
            tracker.done.notify_waiters();
        }
    }
}

impl SwapTracker {
    /// Waits until every ticket reported or `limit` passed; returns how many are pending.
    async fn wait(&self, limit: Duration) -> u32 {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let s = self.state.lock();
                if s.reported() >= s.expected {
                    return 0;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let s = self.state.lock();
                return s.expected.saturating_sub(s.reported());
            }
        }
    }
}

impl Node {
    /// Loads (compiles) one module file (`.wasm` or `.wat`); its name is the file stem. If
    /// a module of that name is loaded and the bytes differ, this becomes its new version
    /// and the module's processes are upgraded in the background (see [`Node::reload`]
    /// to wait for the outcome).
    ///
    /// # Errors
    ///
    /// A clear [`LoadError`] when the file cannot be read, is not valid Wasm, lacks an
    /// export the ABI requires, or imports something this host does not provide. The
    /// current version, if any, stays current.
    pub fn load_module_file(&self, path: &Path) -> Result<Arc<LoadedModule>, LoadError> {
        let (module, installed) = self.wasm.runtime.load_file(path, LoadCause::Manual)?;
        self.upgrade_in_background(installed, LoadCause::Manual);
        Ok(module)
    }

    /// Loads every `.wasm` / `.wat` file in a folder, compiling in parallel. Returns the
    /// modules loaded and the errors of those that failed.
    pub fn load_module_dir(&self, dir: &Path) -> (Vec<Arc<LoadedModule>>, Vec<LoadError>) {
        let (loaded, errors) = self.wasm.runtime.load_dir(dir);
        let mut modules = Vec::with_capacity(loaded.len());
        for (module, installed) in loaded {
            self.upgrade_in_background(installed, LoadCause::Manual);
            modules.push(module);
        }
        (modules, errors)
    }

    fn upgrade_in_background(&self, installed: Option<Installed>, cause: LoadCause) {
        if let Some(installed) = installed.filter(|i| i.previous.is_some()) {
            self.swap_in_background(installed.new.name.clone(), cause);
        }
    }

    /// Moves `module`'s processes to its current version in a task of its own. At most one
    /// such task waits per module: it reads the versions when its turn comes, so however
    /// many changes queued up meanwhile, it applies the latest.
    fn swap_in_background(&self, module: Arc<str>, cause: LoadCause) {
        if !self.wasm.queued_swaps.lock().insert(module.clone()) {
            return;
        }
        let node = self.clone();
        self.handle().spawn(async move {
            let _serial = node.wasm.swap_lock.lock().await;
            node.wasm.queued_swaps.lock().remove(&module);
            node.upgrade_processes(&module, cause).await;
        });
    }

    /// Loads `path` as a new version of its module (compiling off the async worker
    /// threads), upgrades the module's processes, and returns the outcome. `Ok(None)` when
    /// the file's bytes equal the current version's: nothing changes.
    ///
    /// # Errors
    ///
    /// When the file cannot be loaded (see [`LoadError`]); the current version stays.
    pub async fn reload(
        &self,
        path: &Path,
        cause: LoadCause,
    ) -> Result<Option<SwapRecord>, LoadError> {
        let _serial = self.wasm.swap_lock.lock().await;
        let node = self.clone();
        let owned = path.to_path_buf();
        let compiled = tokio::task::spawn_blocking(move || {
            let bytes = crate::runtime::modules::read(&owned)?;
            let name = crate::runtime::modules::module_name(&owned);
            let hash = LoadedModule::hash_of(&bytes);
            if node.wasm.runtime.code.current_hash(&name).as_deref() == Some(hash.as_str()) {
                return Ok(None);
            }
            node.wasm.runtime.compile_bytes(&owned, &bytes).map(Some)
        })
        .await
        .map_err(|_| LoadError::Panicked)??;
        let Some(compiled) = compiled else {
            return Ok(None);
        };
        let Some(installed) = self.wasm.runtime.code.install(compiled, cause)? else {
            return Ok(None);
        };
        if installed.previous.is_none() {
            let record = SwapRecord {
                module: installed.new.name.to_string(),
                at_ms: now_ms(SystemTime::now()),
                to: installed.new.version,
                cause: cause.to_string(),
                ..SwapRecord::default()
            };
            self.wasm.runtime.code.record(record.clone());
            self.emit(|| NodeEvent::Swap(record.clone()));
            return Ok(Some(record));
        }
        Ok(Some(
            self.upgrade_processes(&installed.new.name, cause).await,
        ))
    }

    /// Makes the previous version of `module` current again and moves its processes back
    /// (the same way as an upgrade: state carried over through `hatchery_code_change`).
    ///
    /// # Errors
    ///
    /// [`LoadError::UnknownModule`], or [`LoadError::NoPrevious`] when only one version
    /// is loaded.
    pub async fn rollback(&self, module: &str) -> Result<SwapRecord, LoadError> {
        let _serial = self.wasm.swap_lock.lock().await;
        let installed = self.wasm.runtime.code.rollback(module)?;
        Ok(self
            .upgrade_processes(&installed.new.name, LoadCause::Rollback)
            .await)
    }

    /// Starts a rollback without waiting for its outcome (the ABI's `module_rollback`);
    /// returns the version now current.
    pub(crate) fn rollback_in_background(&self, module: &str) -> Result<u32, LoadError> {
        let installed = self.wasm.runtime.code.rollback(module)?;
        self.swap_in_background(installed.new.name.clone(), LoadCause::Rollback);
        Ok(installed.new.version)
    }

    /// Every module with its versions and swap history.
    pub fn module_infos(&self) -> Vec<ModuleInfo> {
        self.wasm.runtime.code.infos()
    }

    /// A loaded version of a module (current or old).
    pub fn module_version(&self, name: &str, version: u32) -> Option<Arc<LoadedModule>> {
        self.wasm.runtime.code.version(name, version)
    }

    /// Moves `name`'s processes to its current version. Called with the swap lock held; it
    /// reads the versions itself, so it always applies the code server's latest state.
    async fn upgrade_processes(&self, name: &str, cause: LoadCause) -> SwapRecord {
        let started = Instant::now();
        let Some((new, old)) = self.wasm.runtime.code.pair(name) else {
            return SwapRecord::default();
        };
        let name = new.name.clone();
        let from = old.as_ref().map_or(0, |m| m.version);
        let mut record = SwapRecord {
            module: name.to_string(),
            at_ms: now_ms(SystemTime::now()),
            from,
            to: new.version,
            cause: cause.to_string(),
            ..SwapRecord::default()
        };
        let tracker = Arc::new(SwapTracker::default());
        let policy = self.config().upgrade_policy;
        for proc in self.processes() {
            if proc.module() != &*name {
                continue;
            }
            let version = proc.code.version();
            if version == new.version {
                // On the version now current: an upgrade still pending from an earlier
                // swap (to a version since rolled back) no longer applies.
                proc.code.clear();
                continue;
            }
            let ticket = |purge: Option<String>| UpgradeTicket {
                target: new.clone(),
                purge,
                tracker: Some(tracker.clone()),
            };
            if version != from {
                // Its version fell out. A behaviour that can carry its state over still
                // gets the chance; anything else is purged, as in Erlang.
                let reason = format!(
                    "purged: {name} v{version} was unloaded when v{} was loaded",
                    new.version
                );
                if proc.code.is_behaviour() && new.can_change {
                    tracker.state.lock().expected += 1;
                    proc.request_code_change(ticket(Some(reason)));
                } else {
                    proc.request_stop(ExitReason::custom(reason));
                    record.purged += 1;
                }
                continue;
            }
            let Some(running) = self.wasm.runtime.code.version(&name, version) else {
                record.kept += 1;
                continue;
            };
            if !running.is_behaviour {
                record.kept += 1;
            } else if running.can_save && new.can_change {
                tracker.state.lock().expected += 1;
                proc.request_code_change(ticket(None));
            } else {
                match policy {
                    UpgradePolicy::Keep => record.kept += 1,
                    UpgradePolicy::Restart => {
                        self.mark_upgrade_restart(proc.pid());
                        proc.request_stop(ExitReason::custom(format!(
                            "{UPGRADE_RESTART_PREFIX}restarting on {name} v{} (no upgrade callbacks)",
                            new.version
                        )));
                        record.restarted += 1;
                    }
                }
            }
        }
        record.pending = tracker.wait(self.config().upgrade_wait).await;
        {
            let s = tracker.state.lock();
            record.upgraded = s.upgraded;
            record.failed = s.failed;
            record.gone = s.gone;
            record.errors = s.errors.clone();
            record.pause_max_us = s.pause_max.as_micros() as u64;
            record.pause_total_us = s.pause_total.as_micros() as u64;
        }
        record.took_us = started.elapsed().as_micros() as u64;
        self.stats()
            .swaps
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.wasm.runtime.code.record(record.clone());
        self.emit(|| NodeEvent::Swap(record.clone()));
        record
    }
}
