//! The calling process: identity, arguments, spawning, links, exit signals and monitors.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{check, check64};
use crate::message::with_json;
use crate::{Error, ExitReason, MonitorRef, Pid, sys};

/// The pid of the calling process (Erlang's `self()`).
pub fn self_pid() -> Pid {
    Pid(sys::self_pid() as u64)
}

/// The argument bytes this process was spawned with.
pub fn args() -> Vec<u8> {
    let size = sys::args_size().max(0) as usize;
    let mut buf = vec![0; size];
    let copied = sys::args_read(&mut buf).max(0) as usize;
    buf.truncate(copied);
    buf
}

/// The spawn arguments decoded from JSON. Empty arguments read as JSON `null`, so a process
/// that may be started without arguments asks for an `Option<T>`.
///
/// # Errors
///
/// [`Error::Decode`] when the arguments are not JSON of the shape `T`.
///
/// ```no_run
/// #[derive(serde::Deserialize, Default)]
/// struct Args { rounds: u64 }
///
/// let args: Args = hatchery_sdk::args_json::<Option<Args>>()?.unwrap_or_default();
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn args_json<T: DeserializeOwned>() -> Result<T, Error> {
    decode_args(&args())
}

/// [`args_json`] on given bytes.
pub(crate) fn decode_args<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    Ok(serde_json::from_slice(bytes)?)
}

/// A reference unique within the node (Erlang's `make_ref()`).
pub fn make_ref() -> u64 {
    sys::make_ref() as u64
}

/// Milliseconds on the node's monotonic clock.
pub fn now_ms() -> i64 {
    sys::now_ms()
}

/// How [`spawn_bytes`] ties the child to the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpawnOpts {
    /// Link the caller and the child before the child runs (`spawn_link`).
    pub link: bool,
    /// Monitor the child before it runs (`spawn_monitor`).
    pub monitor: bool,
}

impl SpawnOpts {
    /// The ABI's spawn flags.
    fn flags(self) -> i32 {
        let mut flags = 0;
        if self.link {
            flags |= sys::SPAWN_LINK;
        }
        if self.monitor {
            flags |= sys::SPAWN_MONITOR;
        }
        flags
    }
}

/// Starts a process running the module `module` with raw argument bytes. Returns the child's
/// pid and, with `opts.monitor`, the monitor reference.
///
/// A child that cannot start (unknown module, no entry) still gets a pid and ends at once
/// with reason `undef`.
///
/// # Errors
///
/// [`Error::Limit`] at the node's process cap, [`Error::BadName`] for an invalid module
/// name.
pub fn spawn_bytes(
    module: &str,
    args: &[u8],
    opts: SpawnOpts,
) -> Result<(Pid, Option<MonitorRef>), Error> {
    let flags = opts.flags();
    let mut reference = 0i64;
    let pid = check64(sys::spawn(module.as_bytes(), args, flags, &mut reference))?;
    let monitor = opts.monitor.then_some(MonitorRef(reference as u64));
    Ok((Pid(pid), monitor))
}

/// Starts `module` with raw argument bytes on the node called `node` of the cluster
/// (Erlang's `spawn(Node, ...)`, with `opts` for `spawn_link` and `spawn_monitor`); this
/// node's own name spawns here. Waits for the other node's answer. The child has the
/// grants of a manifest child, whatever the caller's.
///
/// # Errors
///
/// [`Error::NoProc`] when no node of that name is connected (or the connection broke
/// before the answer), [`Error::Limit`] at the other node's limits, [`Error::BadName`].
pub fn spawn_at_bytes(
    node: &str,
    module: &str,
    args: &[u8],
    opts: SpawnOpts,
) -> Result<(Pid, Option<MonitorRef>), Error> {
    let flags = opts.flags();
    let mut reference = 0i64;
    let pid = check64(sys::spawn_at(
        node.as_bytes(),
        module.as_bytes(),
        args,
        flags,
        &mut reference,
    ))?;
    let monitor = opts.monitor.then_some(MonitorRef(reference as u64));
    Ok((Pid(pid), monitor))
}

/// [`spawn_at_bytes`] with `args` encoded as JSON.
///
/// # Errors
///
/// As [`spawn_at_bytes`], or [`Error::Decode`] when `args` cannot be encoded.
///
/// ```no_run
/// use hatchery_sdk::{SpawnOpts, spawn_at};
///
/// let opts = SpawnOpts { link: true, monitor: false };
/// let (worker, _) = spawn_at("b", "kv", &serde_json::json!({}), opts)?;
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn spawn_at<T: Serialize + ?Sized>(
    node: &str,
    module: &str,
    args: &T,
    opts: SpawnOpts,
) -> Result<(Pid, Option<MonitorRef>), Error> {
    with_json(args, |bytes| spawn_at_bytes(node, module, bytes, opts))
}

fn spawn_json<T: Serialize + ?Sized>(
    module: &str,
    args: &T,
    opts: SpawnOpts,
) -> Result<(Pid, Option<MonitorRef>), Error> {
    with_json(args, |bytes| spawn_bytes(module, bytes, opts))
}

/// Starts a process running `module`, with `args` encoded as JSON (Erlang's `spawn`).
///
/// # Errors
///
/// [`Error::Limit`], [`Error::BadName`], or [`Error::Decode`] when `args` cannot be encoded.
///
/// ```no_run
/// use hatchery_sdk::spawn;
///
/// let server = spawn("messenger_server", &serde_json::json!({"name": "messenger"}))?;
/// println!("server is {server}");
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn spawn<T: Serialize + ?Sized>(module: &str, args: &T) -> Result<Pid, Error> {
    spawn_json(module, args, SpawnOpts::default()).map(|(pid, _)| pid)
}

/// Like [`spawn`], and links the caller and the child atomically (Erlang's `spawn_link`).
///
/// # Errors
///
/// As [`spawn`].
pub fn spawn_link<T: Serialize + ?Sized>(module: &str, args: &T) -> Result<Pid, Error> {
    let opts = SpawnOpts {
        link: true,
        monitor: false,
    };
    spawn_json(module, args, opts).map(|(pid, _)| pid)
}

/// Like [`spawn`], and monitors the child atomically (Erlang's `spawn_monitor`).
///
/// # Errors
///
/// As [`spawn`].
///
/// ```no_run
/// use hatchery_sdk::{Message, Timeout, receive_match, spawn_monitor};
///
/// let (child, mref) = spawn_monitor("noop", &())?;
/// let reason = receive_match(Timeout::Infinity, |msg| match msg {
///     Message::Down { monitor, reason, .. } if *monitor == mref => Some(reason.clone()),
///     _ => None,
/// });
/// println!("{child} ended: {reason:?}");
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn spawn_monitor<T: Serialize + ?Sized>(
    module: &str,
    args: &T,
) -> Result<(Pid, MonitorRef), Error> {
    let opts = SpawnOpts {
        link: false,
        monitor: true,
    };
    let (pid, monitor) = spawn_json(module, args, opts)?;
    Ok((pid, monitor.unwrap_or(MonitorRef(0))))
}

/// Links the caller and `pid`: when either ends, the other receives its exit signal.
///
/// # Errors
///
/// [`Error::NoProc`] when `pid` is not alive *and* the caller traps exits (it then also
/// receives an `EXIT` message with reason `noproc`). A caller that does not trap exits ends
/// with reason `noproc` instead of returning.
pub fn link(pid: Pid) -> Result<(), Error> {
    check(sys::link(pid.as_raw())).map(drop)
}

/// Removes a link between the caller and `pid` (nothing happens if there was none).
pub fn unlink(pid: Pid) {
    sys::unlink(pid.as_raw());
}

/// Sets whether exit signals become [`Message::Exit`](crate::Message::Exit) messages
/// (`process_flag(trap_exit, Flag)`); returns the previous setting.
pub fn trap_exit(flag: bool) -> bool {
    sys::trap_exit(i32::from(flag)) != 0
}

/// Ends the calling process with `reason`; does not return.
///
/// The ABI lets a process end itself only with `normal`, `shutdown` or `custom`; any other
/// reason is sent as `custom` with its display text (for example `killed` becomes
/// `custom: killed`).
///
/// ```no_run
/// use hatchery_sdk::{ExitReason, exit};
///
/// exit(ExitReason::custom("timeout"));
/// ```
pub fn exit(reason: ExitReason) -> ! {
    let reason = reason.for_self_exit();
    sys::exit(i32::from(reason.kind()), reason.detail())
}

/// Sends an exit signal with `reason` to `pid`, as if the caller had ended with it; the
/// caller goes on. [`ExitReason::Killed`] sends the untrappable `kill`.
///
/// # Errors
///
/// [`Error::NoProc`] when `pid` is not alive.
pub fn exit_signal(pid: Pid, reason: ExitReason) -> Result<(), Error> {
    check(sys::exit_signal(
        pid.as_raw(),
        i32::from(reason.kind()),
        reason.detail(),
    ))
    .map(drop)
}

/// Kills `pid` with the untrappable `kill` signal; its links see reason `killed`.
///
/// # Errors
///
/// [`Error::NoProc`] when `pid` is not alive.
pub fn kill(pid: Pid) -> Result<(), Error> {
    exit_signal(pid, ExitReason::Killed)
}

/// Monitors `pid`: when it ends (or if it is already dead, with reason `noproc`) the caller
/// receives one [`Message::Down`](crate::Message::Down) carrying the returned reference.
pub fn monitor(pid: Pid) -> MonitorRef {
    MonitorRef(sys::monitor(pid.as_raw()) as u64)
}

/// Removes a monitor. With `flush`, also removes its `DOWN` message if it is queued.
///
/// # Errors
///
/// [`Error::NotFound`] when the `DOWN` was already sent or the reference is unknown.
pub fn demonitor(monitor: MonitorRef, flush: bool) -> Result<(), Error> {
    let flags = if flush { sys::DEMONITOR_FLUSH } else { 0 };
    check(sys::demonitor(monitor.0 as i64, flags)).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq, Default)]
    struct Args {
        #[serde(default)]
        n: u32,
    }

    #[test]
    fn empty_args_read_as_null() {
        assert_eq!(decode_args::<Option<Args>>(b"").unwrap(), None);
        assert_eq!(decode_args::<Option<Args>>(b" \n").unwrap(), None);
        assert_eq!(decode_args::<()>(b"").unwrap(), ());
        assert_eq!(
            decode_args::<Option<Args>>(br#"{"n":3}"#).unwrap(),
            Some(Args { n: 3 })
        );
        assert_eq!(decode_args::<Args>(b"{}").unwrap(), Args { n: 0 });
    }

    #[test]
    fn bad_args_are_decode_errors() {
        assert!(matches!(decode_args::<Args>(b"[1"), Err(Error::Decode(_))));
        assert!(matches!(decode_args::<Args>(b""), Err(Error::Decode(_))));
    }
}
