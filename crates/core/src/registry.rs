//! Registered names: unique names → pids, removed when the process dies.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use crate::node::Node;
use crate::pid::Pid;

/// No process is registered under the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no process is registered under that name")]
pub struct NotRegistered;

/// Why `register` refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// Another process has the name.
    #[error("the name is already registered")]
    NameTaken,
    /// The process already has a name.
    #[error("the process already has a registered name")]
    AlreadyRegistered,
    /// The process is not alive.
    #[error("no such process")]
    NoProc,
    /// The name is empty, longer than 255 bytes or not UTF-8.
    #[error("a name must be 1 to 255 bytes of UTF-8")]
    BadName,
}

/// The longest name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Checks a name's bytes.
pub fn valid_name(bytes: &[u8]) -> Option<&str> {
    if bytes.is_empty() || bytes.len() > MAX_NAME_BYTES {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// The name table.
#[derive(Default)]
pub(crate) struct Registry {
    names: RwLock<HashMap<Arc<str>, Pid>>,
}

impl Registry {
    pub fn remove_if(&self, name: &str, pid: Pid) {
        let mut names = self.names.write();
        if names.get(name) == Some(&pid) {
            names.remove(name);
        }
    }
}

impl Node {
    /// Registers `pid` under `name`.
    ///
    /// # Errors
    ///
    /// See [`RegisterError`].
    pub fn register(&self, name: &str, pid: Pid) -> Result<(), RegisterError> {
        if valid_name(name.as_bytes()).is_none() {
            return Err(RegisterError::BadName);
        }
        let mut names = self.inner.registry.names.write();
        if names.contains_key(name) {
            return Err(RegisterError::NameTaken);
        }
        let proc = self.process(pid).ok_or(RegisterError::NoProc)?;
        let mut s = proc.signals.lock();
        if !s.alive {
            return Err(RegisterError::NoProc);
        }
        if s.name.is_some() {
            return Err(RegisterError::AlreadyRegistered);
        }
        let name: Arc<str> = Arc::from(name);
        s.name = Some(name.clone());
        names.insert(name, pid);
        Ok(())
    }

    /// Removes a name.
    ///
    /// # Errors
    ///
    /// [`NotRegistered`] when nobody has it.
    pub fn unregister(&self, name: &str) -> Result<(), NotRegistered> {
        let pid = self
            .inner
            .registry
            .names
            .write()
            .remove(name)
            .ok_or(NotRegistered)?;
        if let Some(p) = self.process(pid) {
            let mut s = p.signals.lock();
            if s.name.as_deref() == Some(name) {
                s.name = None;
            }
        }
        Ok(())
    }

    /// The pid registered under `name`.
    pub fn whereis(&self, name: &str) -> Option<Pid> {
        self.inner.registry.names.read().get(name).copied()
    }

    /// All registered names, sorted.
    pub fn registered(&self) -> Vec<(String, Pid)> {
        let mut v: Vec<(String, Pid)> = self
            .inner
            .registry
            .names
            .read()
            .iter()
            .map(|(n, p)| (n.to_string(), *p))
            .collect();
        v.sort();
        v
    }
}
