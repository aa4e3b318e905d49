//! The ABI's error codes as a typed error.

use std::fmt;

use crate::sys;

/// An error from a `hatchery_v1` call (ABI section 2), or a JSON encoding/decoding failure.
///
/// ```
/// use hatchery_sdk::Error;
///
/// assert_eq!(Error::from_code(-4), Some(Error::NameTaken));
/// assert_eq!(Error::NameTaken.name(), "name_taken");
/// assert_eq!(Error::from_code(0), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// `ERR_TIMEOUT` (-1): no message at the index before the timeout.
    Timeout,
    /// `ERR_NOPROC` (-2): the pid names no live process.
    NoProc,
    /// `ERR_NOT_REGISTERED` (-3): no process is registered under that name.
    NotRegistered,
    /// `ERR_NAME_TAKEN` (-4): another process is already registered under that name.
    NameTaken,
    /// `ERR_ALREADY_REGISTERED` (-5): the process already has a registered name.
    AlreadyRegistered,
    /// `ERR_LIMIT` (-6): a node limit stops the call (the process cap for `spawn`).
    Limit,
    /// `ERR_TOO_BIG` (-7): the message is larger than the node's maximum message size.
    TooBig,
    /// `ERR_NO_MESSAGE` (-8): there is no message at that mailbox index.
    NoMessage,
    /// `ERR_BAD_NAME` (-9): a name is empty, longer than 255 bytes, or not UTF-8.
    BadName,
    /// `ERR_NOT_FOUND` (-10): the monitor or timer reference is unknown.
    NotFound,
    /// `ERR_BAD_ARG` (-11): another argument is out of its range.
    BadArg,
    /// `ERR_NO_VERSION` (-12): the module has no previous version to roll back to.
    NoVersion,
    /// JSON encoding or decoding failed (arguments or a message); the text is serde_json's.
    Decode(String),
    /// A negative code this version of the SDK does not know (a newer host).
    Unknown(i64),
}

impl Error {
    /// The error for an ABI result, or `None` when `code` is zero or positive (success).
    pub fn from_code(code: i64) -> Option<Error> {
        if code >= 0 {
            return None;
        }
        Some(match i32::try_from(code) {
            Ok(sys::ERR_TIMEOUT) => Error::Timeout,
            Ok(sys::ERR_NOPROC) => Error::NoProc,
            Ok(sys::ERR_NOT_REGISTERED) => Error::NotRegistered,
            Ok(sys::ERR_NAME_TAKEN) => Error::NameTaken,
            Ok(sys::ERR_ALREADY_REGISTERED) => Error::AlreadyRegistered,
            Ok(sys::ERR_LIMIT) => Error::Limit,
            Ok(sys::ERR_TOO_BIG) => Error::TooBig,
            Ok(sys::ERR_NO_MESSAGE) => Error::NoMessage,
            Ok(sys::ERR_BAD_NAME) => Error::BadName,
            Ok(sys::ERR_NOT_FOUND) => Error::NotFound,
            Ok(sys::ERR_BAD_ARG) => Error::BadArg,
            Ok(sys::ERR_NO_VERSION) => Error::NoVersion,
            _ => Error::Unknown(code),
        })
    }

    /// The ABI code of this error; `None` for [`Error::Decode`].
    pub fn code(&self) -> Option<i64> {
        let code = match self {
            Error::Timeout => sys::ERR_TIMEOUT,
            Error::NoProc => sys::ERR_NOPROC,
            Error::NotRegistered => sys::ERR_NOT_REGISTERED,
            Error::NameTaken => sys::ERR_NAME_TAKEN,
            Error::AlreadyRegistered => sys::ERR_ALREADY_REGISTERED,
            Error::Limit => sys::ERR_LIMIT,
            Error::TooBig => sys::ERR_TOO_BIG,
            Error::NoMessage => sys::ERR_NO_MESSAGE,
            Error::BadName => sys::ERR_BAD_NAME,
            Error::NotFound => sys::ERR_NOT_FOUND,
            Error::BadArg => sys::ERR_BAD_ARG,
            Error::NoVersion => sys::ERR_NO_VERSION,
            Error::Unknown(code) => return Some(*code),
            Error::Decode(_) => return None,
        };
        Some(i64::from(code))
    }

    /// A stable snake_case name: `timeout`, `noproc`, `not_registered`, `name_taken`,
    /// `already_registered`, `limit`, `too_big`, `no_message`, `bad_name`, `not_found`,
    /// `bad_arg`, `decode` or `unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            Error::Timeout => "timeout",
            Error::NoProc => "noproc",
            Error::NotRegistered => "not_registered",
            Error::NameTaken => "name_taken",
            Error::AlreadyRegistered => "already_registered",
            Error::Limit => "limit",
            Error::TooBig => "too_big",
            Error::NoMessage => "no_message",
            Error::BadName => "bad_name",
            Error::NotFound => "not_found",
            Error::BadArg => "bad_arg",
            Error::NoVersion => "no_version",
            Error::Decode(_) => "decode",
            Error::Unknown(_) => "unknown",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Timeout => f.write_str("timed out"),
            Error::NoProc => f.write_str("no such process"),
            Error::NotRegistered => f.write_str("name is not registered"),
            Error::NameTaken => f.write_str("name is already taken"),
            Error::AlreadyRegistered => f.write_str("process already has a registered name"),
            Error::Limit => f.write_str("node limit reached"),
            Error::TooBig => f.write_str("message too big"),
            Error::NoMessage => f.write_str("no message at that mailbox index"),
            Error::BadName => f.write_str("bad name"),
            Error::NotFound => f.write_str("reference not found"),
            Error::BadArg => f.write_str("bad argument"),
            Error::NoVersion => f.write_str("no previous version"),
            Error::Decode(msg) => write!(f, "JSON error: {msg}"),
            Error::Unknown(code) => write!(f, "unknown error code {code}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::Decode(err.to_string())
    }
}

/// Turns an `i32` ABI result into `Ok(value)` or the error.
pub(crate) fn check(code: i32) -> Result<u32, Error> {
    match Error::from_code(i64::from(code)) {
        Some(err) => Err(err),
        None => Ok(code as u32),
    }
}

/// Turns an `i64` ABI result into `Ok(value)` or the error.
pub(crate) fn check64(code: i64) -> Result<u64, Error> {
    match Error::from_code(code) {
        Some(err) => Err(err),
        None => Ok(code as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_abi_code_round_trips() {
        for code in -11..=-1 {
            let err = Error::from_code(code).unwrap();
            assert!(!matches!(err, Error::Unknown(_)), "{code}");
            assert_eq!(err.code(), Some(code));
        }
    }

    #[test]
    fn codes_match_the_abi_table() {
        assert_eq!(Error::from_code(-1), Some(Error::Timeout));
        assert_eq!(Error::from_code(-2), Some(Error::NoProc));
        assert_eq!(Error::from_code(-3), Some(Error::NotRegistered));
        assert_eq!(Error::from_code(-4), Some(Error::NameTaken));
        assert_eq!(Error::from_code(-5), Some(Error::AlreadyRegistered));
        assert_eq!(Error::from_code(-6), Some(Error::Limit));
        assert_eq!(Error::from_code(-7), Some(Error::TooBig));
        assert_eq!(Error::from_code(-8), Some(Error::NoMessage));
        assert_eq!(Error::from_code(-9), Some(Error::BadName));
        assert_eq!(Error::from_code(-10), Some(Error::NotFound));
        assert_eq!(Error::from_code(-11), Some(Error::BadArg));
    }

    #[test]
    fn success_and_unknown_codes() {
        assert_eq!(Error::from_code(0), None);
        assert_eq!(Error::from_code(17), None);
        assert_eq!(Error::from_code(-99), Some(Error::Unknown(-99)));
        assert_eq!(Error::from_code(i64::MIN), Some(Error::Unknown(i64::MIN)));
        assert_eq!(check(3), Ok(3));
        assert_eq!(check(-7), Err(Error::TooBig));
        assert_eq!(check64(1 << 40), Ok(1 << 40));
        assert_eq!(check64(-10), Err(Error::NotFound));
    }

    #[test]
    fn names_are_snake_case() {
        assert_eq!(Error::NoProc.name(), "noproc");
        assert_eq!(Error::AlreadyRegistered.name(), "already_registered");
        assert_eq!(Error::Decode("x".into()).name(), "decode");
        assert_eq!(Error::Decode("x".into()).code(), None);
    }

    #[test]
    fn json_errors_become_decode() {
        let err: Error = serde_json::from_str::<u32>("nope").unwrap_err().into();
        assert!(matches!(err, Error::Decode(_)));
        assert!(err.to_string().starts_with("JSON error"));
    }
}
