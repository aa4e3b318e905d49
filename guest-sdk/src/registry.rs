//! Registered names: one name per process, unique on the node.

use crate::error::check;
use crate::{Error, Pid, sys};

/// Registers `pid` under `name` (Erlang's `register/2`). The name is removed when the
/// process ends.
///
/// # Errors
///
/// [`Error::NameTaken`] when another process has the name, [`Error::AlreadyRegistered`] when
/// `pid` already has a name, [`Error::NoProc`] when `pid` is not alive, [`Error::BadName`]
/// for an empty name or one longer than 255 bytes.
///
/// ```no_run
/// use hatchery_sdk::{Error, register, self_pid};
///
/// match register("mess_client@a", self_pid()) {
///     Ok(()) => {}
///     Err(Error::NameTaken) => println!("already_logged_on"),
///     Err(other) => println!("cannot register: {other}"),
/// }
/// ```
pub fn register(name: &str, pid: Pid) -> Result<(), Error> {
    check(sys::register(name.as_bytes(), pid.as_raw())).map(drop)
}

/// Removes the registered name `name`.
///
/// # Errors
///
/// [`Error::NotRegistered`] when no process has the name.
pub fn unregister(name: &str) -> Result<(), Error> {
    check(sys::unregister(name.as_bytes())).map(drop)
}

/// The process registered as `name`, if any (Erlang's `whereis/1`).
pub fn whereis(name: &str) -> Option<Pid> {
    Pid::from_raw(sys::whereis(name.as_bytes()))
}

/// The current version of the module `name` (1, 2, … in load order), or `None` when no
/// such module is loaded.
pub fn module_version(name: &str) -> Option<u32> {
    u32::try_from(sys::module_version(name.as_bytes())).ok()
}

/// Makes the previous version of module `name` current again; its processes move back at
/// their next message, with their state (hot swap rollback, ABI.md §5, Hot code swap). Returns the version
/// now current.
///
/// # Errors
///
/// [`Error::NotFound`] when no such module is loaded, [`Error::NoVersion`] when it has no
/// previous version.
pub fn module_rollback(name: &str) -> Result<u32, Error> {
    check(sys::module_rollback(name.as_bytes()))
}
