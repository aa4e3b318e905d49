//! The module file watcher: a changed `.wasm` / `.wat` file becomes a new version once it
//! is complete and valid.
//!
//! Editors and build tools write files in several ways: truncate and write, write a
//! temporary file and rename it into place, or several writes in a row. The watcher waits
//! until a file has had no events for the debounce period *and* its size and modification
//! time held still over one more period, then loads it once. A file whose bytes equal the
//! current version's is ignored; one that does not load (half written, invalid, missing
//! an export) is reported and changes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::events::NodeEvent;
use crate::node::Node;
use crate::runtime::modules::{LoadCause, module_name};

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    stop: Arc<AtomicBool>,
    _inner: Shared,
}

/// The operating system's watcher, shared with the loop that adds a folder back.
type Shared = Arc<parking_lot::Mutex<notify::RecommendedWatcher>>;

/// How often the watched folders are checked for having gone or come back.
const FOLDER_CHECK: Duration = Duration::from_millis(500);

/// What identifies a folder: a folder removed and created again is another one, which the
/// operating system's watch does not follow.
fn folder_id(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata(dir)
        .ok()
        .filter(std::fs::Metadata::is_dir)
        .map(|m| (m.dev(), m.ino()))
}

/// The watched folders, as last seen.
struct Folders {
    seen: Vec<(PathBuf, Option<(u64, u64)>)>,
    checked: Instant,
}

impl Folders {
    fn new(dirs: &[PathBuf]) -> Folders {
        Folders {
            seen: dirs.iter().map(|d| (d.clone(), folder_id(d))).collect(),
            checked: Instant::now(),
        }
    }

    /// Says when a folder went away, and watches it again when it is back (or is another
    /// folder by now); returns the folders watched again, whose files should be looked at.
    fn check(&mut self, node: &Node, inner: &Shared) -> Vec<PathBuf> {
        if self.checked.elapsed() < FOLDER_CHECK {
            return Vec::new();
        }
        self.checked = Instant::now();
        let mut back = Vec::new();
        for (dir, seen) in &mut self.seen {
            let now = folder_id(dir);
            if now == *seen {
                continue;
            }
            let folder = dir.display().to_string();
            match now {
                None => node.emit(|| NodeEvent::Watch {
                    message: format!(
                        "the watched folder {folder} is gone: module changes there are not seen until it is created again"
                    ),
                    folder,
                    watching: false,
                }),
                Some(_) => {
                    let mut w = inner.lock();
                    let _ = w.unwatch(dir);
                    if let Err(e) = w.watch(dir, RecursiveMode::NonRecursive) {
                        node.emit(|| NodeEvent::Watch {
                            message: format!("cannot watch {folder} again: {e}; trying again"),
                            folder,
                            watching: false,
                        });
                        continue;
                    }
                    node.emit(|| NodeEvent::Watch {
                        message: format!("watching {folder} again"),
                        folder,
                        watching: true,
                    });
                    back.push(dir.clone());
                }
            }
            *seen = now;
        }
        back
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What is watched: whole folders, or single files.
#[derive(Clone, Debug)]
enum Target {
    Dir(PathBuf),
    File(PathBuf),
}

impl Target {
    fn dir(&self) -> &Path {
        match self {
            Target::Dir(d) => d,
            Target::File(f) => f.parent().unwrap_or(Path::new(".")),
        }
    }

    fn wants(&self, path: &Path) -> bool {
        let is_module = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "wat")
        ) && !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        match self {
            Target::Dir(d) => is_module && path.parent() == Some(d.as_path()),
            Target::File(f) => path == f,
        }
    }
}

/// A file with recent events, waiting to settle.
struct Pending {
    last_event: Instant,
    seen: Option<(u64, Option<SystemTime>)>,
    /// Quiet periods in a row the file was missing.
    missing: u32,
}

impl Node {
    /// Watches module files: each path is a folder (every `.wasm` / `.wat` file in it) or
    /// one file. A file that changes and then holds still for `debounce` is loaded as a new
    /// version of its module ([`Node::reload`] with cause `watch`); the outcome is emitted
    /// as a [`NodeEvent::Swap`] or [`NodeEvent::SwapRejected`].
    ///
    /// # Errors
    ///
    /// When the operating system's file watcher cannot be set up for a path.
    pub fn watch(&self, paths: &[PathBuf], debounce: Duration) -> anyhow::Result<Watcher> {
        let mut targets = Vec::new();
        for p in paths {
            let p = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            targets.push(if p.is_dir() {
                Target::Dir(p)
            } else {
                Target::File(p)
            });
        }
        let (tx, rx) = mpsc::channel();
        let mut inner = notify::recommended_watcher(move |res| {
            let _ = tx.send(res);
        })
        .context("starting the file watcher")?;
        let mut dirs: Vec<PathBuf> = targets.iter().map(|t| t.dir().to_path_buf()).collect();
        dirs.sort();
        dirs.dedup();
        for d in &dirs {
            inner
                .watch(d, RecursiveMode::NonRecursive)
                .with_context(|| format!("watching {}", d.display()))?;
        }
        let inner: Shared = Arc::new(parking_lot::Mutex::new(inner));
        let stop = Arc::new(AtomicBool::new(false));
        let node = self.clone();
        let flag = stop.clone();
        let shared = inner.clone();
        // Seen now, so that a folder removed before the thread runs is noticed.
        let folders = Folders::new(&dirs);
        std::thread::Builder::new()
            .name("hatchery-watch".into())
            .spawn(move || {
                watch_loop(&node, &targets, &rx, debounce, &flag, (folders, &shared));
            })
            .context("starting the watcher thread")?;
        Ok(Watcher {
            stop,
            _inner: inner,
        })
    }
}

fn watch_loop(
    node: &Node,
    targets: &[Target],
    rx: &mpsc::Receiver<notify::Result<notify::Event>>,
    debounce: Duration,
    stop: &AtomicBool,
    (mut folders, inner): (Folders, &Shared),
) {
    let mut pending: HashMap<PathBuf, Pending> = HashMap::new();
    let tick = (debounce / 4).max(Duration::from_millis(5));
    while !stop.load(Ordering::Relaxed) {
        match rx.recv_timeout(tick) {
            Ok(Ok(event)) => {
                // Reads (including the watcher's own) are not changes.
                let writes = matches!(
                    event.kind,
                    EventKind::Create(_)
                        | EventKind::Modify(_)
                        | EventKind::Access(notify::event::AccessKind::Close(
                            notify::event::AccessMode::Write
                        ))
                );
                if writes {
                    for path in event.paths {
                        mark(&mut pending, targets, path);
                    }
                }
            }
            Ok(Err(e)) => node.emit(|| NodeEvent::SwapRejected {
                module: "*".into(),
                error: format!("file watcher: {e}"),
            }),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        // A folder created again: its module files are looked at as if just written (one
        // whose bytes are the current version's changes nothing).
        for dir in folders.check(node, inner) {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                mark(&mut pending, targets, entry.path());
            }
        }
        // A file deleted for good is forgotten (its module stays loaded).
        pending.retain(|_, p| p.missing < 20);
        let settled: Vec<PathBuf> = pending
            .iter_mut()
            .filter_map(|(path, p)| {
                if p.last_event.elapsed() < debounce {
                    return None;
                }
                let now = std::fs::metadata(path)
                    .ok()
                    .map(|m| (m.len(), m.modified().ok()));
                if now.is_some() && p.seen == now {
                    return Some(path.clone());
                }
                // Not seen yet, changed since, or gone for now (a rename in progress):
                // look again after another quiet period.
                p.missing = if now.is_none() { p.missing + 1 } else { 0 };
                p.seen = now;
                p.last_event = Instant::now();
                None
            })
            .collect();
        for path in settled {
            pending.remove(&path);
            load(node, &path);
        }
    }
}

/// Notes a change of `path`, if it is a watched module file: it is loaded once it has
/// settled.
fn mark(pending: &mut HashMap<PathBuf, Pending>, targets: &[Target], path: PathBuf) {
    if targets.iter().any(|t| t.wants(&path)) {
        pending.insert(
            path,
            Pending {
                last_event: Instant::now(),
                seen: None,
                missing: 0,
            },
        );
    }
}

fn load(node: &Node, path: &Path) {
    let result = node.handle().block_on(node.reload(path, LoadCause::Watch));
    if let Err(e) = result {
        node.emit(|| NodeEvent::SwapRejected {
            module: module_name(path),
            error: e.to_string(),
        });
    }
}
