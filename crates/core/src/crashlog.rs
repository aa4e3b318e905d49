//! Crash reports and the persistent error log (thesis digest items 28, 52).
//!
//! Every abnormal exit (any reason but `normal` and `shutdown`) and every supervisor
//! action is written as one JSON line to a log file that survives the host: "we must never
//! lose the information about why the system failed". The log is bounded: when it passes
//! its size it is renamed to `<file>.1` (replacing the older one) and a new file starts.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use serde::Serialize;

use crate::exit::ExitReason;
use crate::pid::Pid;

/// One entry of the log.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Report {
    /// A process ended abnormally.
    Crash {
        /// Milliseconds since the Unix epoch.
        time_ms: u64,
        /// The process.
        pid: u64,
        /// Its module.
        module: String,
        /// Its registered name.
        name: Option<String>,
        /// The reason's kind (`trap`, `limit`, `custom`, ...).
        reason_kind: String,
        /// The reason in full: the trap message, the last message in (for behaviours) and
        /// the Wasm backtrace.
        reason: String,
        /// The last lines it wrote.
        output: Vec<String>,
    },
    /// What a supervisor did about a child.
    Supervisor {
        /// Milliseconds since the Unix epoch.
        time_ms: u64,
        /// The supervisor.
        supervisor: u64,
        /// The child's id.
        child: String,
        /// `restarted`, `not_restarted`, or `gave_up` (too many restarts).
        action: String,
        /// The child's pid that ended.
        old_pid: Option<u64>,
        /// The new pid, when restarted.
        new_pid: Option<u64>,
        /// Why the child ended.
        reason: String,
    },
}

impl Report {
    /// A crash report for a process that ended with `reason`.
    pub fn crash(
        pid: Pid,
        module: &str,
        name: Option<&str>,
        reason: &ExitReason,
        output: Vec<String>,
    ) -> Self {
        Report::Crash {
            time_ms: now_ms(),
            pid: pid.as_u64(),
            module: module.to_string(),
            name: name.map(str::to_string),
            reason_kind: reason.name().to_string(),
            reason: reason.to_string(),
            output,
        }
    }

    /// Whether an exit with `reason` is a crash worth a report.
    pub fn is_crash(reason: &ExitReason) -> bool {
        !matches!(reason, ExitReason::Normal | ExitReason::Shutdown)
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The log file.
pub struct CrashLog {
    path: PathBuf,
    max_bytes: u64,
    file: Mutex<Option<File>>,
    /// A write failed part-way: start the next one on a new line.
    torn: std::sync::atomic::AtomicBool,
}

impl CrashLog {
    /// The default bound: 8 MiB per file, two files.
    pub const DEFAULT_MAX_BYTES: u64 = 8 << 20;

    /// Opens (creating folders and file as needed) a log at `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be created.
    pub fn open(path: &Path, max_bytes: u64) -> std::io::Result<CrashLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(CrashLog {
            path: path.to_path_buf(),
            max_bytes: max_bytes.max(1024),
            file: Mutex::new(Some(file)),
            torn: Default::default(),
        })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one report. A write error is printed, never raised: the log must not take
    /// the node down.
    pub fn write(&self, report: &Report) {
        let Ok(json) = serde_json::to_vec(report) else {
            return;
        };
        let mut line = Vec::with_capacity(json.len() + 2);
        if self.torn.swap(false, std::sync::atomic::Ordering::Relaxed) {
            line.push(b'\n');
        }
        line.extend_from_slice(&json);
        line.push(b'\n');
        let mut slot = self.file.lock();
        if let Err(e) = self.append(&mut slot, &line) {
            self.torn.store(true, std::sync::atomic::Ordering::Relaxed);
            eprintln!(
                "hatchery: cannot write the crash log {}: {e}",
                self.path.display()
            );
        }
    }

    fn append(&self, slot: &mut Option<File>, line: &[u8]) -> std::io::Result<()> {
        let size = slot
            .as_ref()
            .map_or(Ok(0), |f| f.metadata().map(|m| m.len()))?;
        if size + line.len() as u64 > self.max_bytes && size > 0 {
            *slot = None;
            std::fs::rename(&self.path, rotated(&self.path))?;
        }
        if slot.is_none() {
            *slot = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)?,
            );
        }
        match slot {
            Some(f) => f.write_all(line),
            None => Ok(()),
        }
    }
}

fn rotated(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".1");
    PathBuf::from(p)
}

/// Reads a log (the rotated file first, then the current one), oldest first. Lines that
/// do not parse (a torn last line after a power cut) are skipped.
///
/// # Errors
///
/// When the current file cannot be read.
pub fn read(path: &Path) -> std::io::Result<Vec<Report>> {
    let mut out = Vec::new();
    for p in [rotated(path), path.to_path_buf()] {
        let bytes = match std::fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && p != path => continue,
            Err(e) => return Err(e),
        };
        // Per line, as bytes: a line cut mid-character does not spoil the others.
        out.extend(
            bytes
                .split(|&b| b == b'\n')
                .filter_map(|l| serde_json::from_slice(l).ok()),
        );
    }
    Ok(out)
}
