//! A process's place in the code server: the module version it runs and a pending code
//! change.
//!
//! The core does not know what a code change is (for Wasm processes it is an upgrade
//! ticket of `hatchery-wasm`); it keeps one pending request per process, and
//! [`crate::process::Process::request_code_change`] wakes the process's driver through its
//! mailbox, as Erlang's code change is a system message the process handles in its receive
//! loop.

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use parking_lot::Mutex;

/// The version a process runs and the code change waiting for it.
#[derive(Default)]
pub struct CodeState {
    version: AtomicU32,
    /// Set once a behaviour process runs its receive loop (where code changes happen).
    behaviour: AtomicBool,
    request: Mutex<Option<Box<dyn Any + Send>>>,
    /// Whether a request is pending (read without the lock at every message).
    requested: AtomicBool,
}

impl CodeState {
    pub(crate) fn new(version: u32) -> Self {
        CodeState {
            version: AtomicU32::new(version),
            ..CodeState::default()
        }
    }

    /// The module version the process runs.
    pub fn version(&self) -> u32 {
        self.version.load(Ordering::Acquire)
    }

    /// Whether the process runs a behaviour's receive loop.
    pub fn is_behaviour(&self) -> bool {
        self.behaviour.load(Ordering::Acquire)
    }

    /// Marks the process as running a behaviour's receive loop.
    pub fn set_behaviour(&self) {
        self.behaviour.store(true, Ordering::Release);
    }

    /// Records the version the process now runs.
    pub fn set_version(&self, v: u32) {
        self.version.store(v, Ordering::Release);
    }

    /// Asks for a code change; a pending one is replaced (and dropped). Does not wake
    /// the process: [`crate::process::Process::request_code_change`] does.
    pub(crate) fn request<T: Any + Send>(&self, change: T) {
        let replaced = {
            let mut slot = self.request.lock();
            self.requested.store(true, Ordering::Release);
            slot.replace(Box::new(change))
        };
        drop(replaced);
    }

    /// Whether a code change is pending.
    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }

    /// The pending code change, if there is one of type `T` (one of another type is
    /// dropped: a node has one kind of code change).
    pub fn take<T: Any + Send>(&self) -> Option<T> {
        let change = {
            let mut slot = self.request.lock();
            self.requested.store(false, Ordering::Release);
            slot.take()?
        };
        (change as Box<dyn Any>).downcast::<T>().ok().map(|b| *b)
    }

    /// Drops a pending code change, if any.
    pub fn clear(&self) {
        let dropped = {
            let mut slot = self.request.lock();
            self.requested.store(false, Ordering::Release);
            slot.take()
        };
        drop(dropped);
    }
}
