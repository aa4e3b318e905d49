//! Behaviour-style servers (gen_server): the host runs the receive loop and hands each
//! message to plain callbacks; synchronous `call` is built from async messages.
//!
//! A server module's `main` does the init work and hands its state to [`serve`]; the module
//! also invokes [`export_server!`](crate::export_server), which exports the
//! `hatchery_handle` callback the host drives (ABI.md §5, Behaviours). Between messages no
//! guest code runs.
//!
//! ```ignore
//! use hatchery_sdk::server::{self, CallResult, From, Server};
//!
//! struct Counter(u64);
//!
//! impl Server for Counter {
//!     type Call = String; // "get" or "add"
//!     type Reply = u64;
//!     type Cast = u64;
//!     fn handle_call(&mut self, req: String, _from: &From) -> CallResult<u64> {
//!         if req == "add" { self.0 += 1 }
//!         CallResult::Reply(self.0)
//!     }
//! }
//!
//! fn main() {
//!     server::serve(Counter(0));
//! }
//! hatchery_sdk::export_server!();
//! ```
//!
//! On the wire a call is `{"$call": {"ref": R, "req": <request>}}`, its reply
//! `{"$reply": {"ref": R, "value": <reply>}}`, a cast `{"$cast": <message>}` (JSON, so any
//! process, the CLI or the HTTP API can speak it).

use std::cell::RefCell;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::{Error, ExitReason, Message, Pid, Timeout, demonitor, monitor, receive_match, sys};

/// Who made a call: reply to it with [`reply`] (or by returning [`CallResult::Reply`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct From {
    /// The calling process.
    pub pid: Pid,
    reference: u64,
}

/// What `handle_call` decides.
#[derive(Debug)]
pub enum CallResult<R> {
    /// Reply and go on.
    Reply(R),
    /// Go on without replying now (reply later with [`reply`]).
    NoReply,
    /// Reply if given, call `terminate`, and end with the reason.
    Stop(ExitReason, Option<R>),
}

/// What `handle_cast` and `handle_info` decide.
#[derive(Debug)]
pub enum Next {
    /// Go on with the next message.
    Continue,
    /// Call `terminate` and end with the reason.
    Stop(ExitReason),
}

/// The callbacks of a server. Only `handle_call` is required.
pub trait Server: 'static {
    /// Requests `call` sends (decoded from JSON).
    type Call: DeserializeOwned;
    /// Replies (encoded as JSON).
    type Reply: Serialize;
    /// Messages `cast` sends.
    type Cast: DeserializeOwned;

    /// A synchronous request. A request that does not decode as `Call` crashes the server,
    /// with the message named in the crash report (as an unmatched `handle_call` clause
    /// does in Erlang).
    fn handle_call(&mut self, request: Self::Call, from: &From) -> CallResult<Self::Reply>;

    /// An asynchronous request.
    fn handle_cast(&mut self, _message: Self::Cast) -> Next {
        Next::Continue
    }

    /// Any other message: `EXIT` and `DOWN` messages, late replies, plain sends.
    fn handle_info(&mut self, _message: Message) -> Next {
        Next::Continue
    }

    /// Called before the server ends by a `Stop`.
    fn terminate(&mut self, _reason: &ExitReason) {}
}

/// A server that can carry its state into the next version of its module (hot code
/// swap, ABI.md §5, Hot code swap). The host asks the running version to [`save`](Upgrade::save) its state
/// at a message boundary and hands the bytes to the new version's
/// [`code_change`](Upgrade::code_change); pid, name, links, monitors and mailbox stay.
pub trait Upgrade: Server + Sized {
    /// The state as bytes for the next version (JSON is a good choice: the next version
    /// can read old fields and default new ones).
    fn save(&self) -> Vec<u8>;

    /// Builds the state from what `old_version` saved. An `Err` refuses the upgrade: the
    /// process stays on the old version, and the reason is reported.
    ///
    /// # Errors
    ///
    /// When this version cannot take that state.
    fn code_change(old_version: u32, state: &[u8]) -> Result<Self, String>;
}

/// The running server, whatever its type.
trait Driver {
    fn dispatch(&mut self, message: Message);
    fn save(&self) -> Option<Vec<u8>>;
}

struct Plain<S>(S);

impl<S: Server> Driver for Plain<S> {
    fn dispatch(&mut self, message: Message) {
        dispatch(&mut self.0, message);
    }
    fn save(&self) -> Option<Vec<u8>> {
        None
    }
}

struct Upgradable<S>(S);

impl<S: Upgrade> Driver for Upgradable<S> {
    fn dispatch(&mut self, message: Message) {
        dispatch(&mut self.0, message);
    }
    fn save(&self) -> Option<Vec<u8>> {
        Some(self.0.save())
    }
}

thread_local! {
    static SERVER: RefCell<Option<Box<dyn Driver>>> = const { RefCell::new(None) };
    /// Bytes handed to the host (a saved state, a refusal reason), kept until the next
    /// handover so the host can read them after the export returns.
    static HANDOVER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Asks the host to hibernate this server once the current callback returns (Erlang's
/// `{noreply, State, hibernate}`): its state is saved, its instance dropped, and the next
/// message brings it back through `hatchery_code_change`. Only a server started with
/// [`serve_upgradable`] can hibernate; for others this does nothing.
pub fn hibernate() {
    sys::hibernate();
}

/// Makes `state` this process's server. Call it from `main` after init; when `main`
/// returns, the host starts handing messages to the callbacks.
pub fn serve<S: Server>(state: S) {
    SERVER.with(|s| *s.borrow_mut() = Some(Box::new(Plain(state))));
}

/// Like [`serve`], for a server whose state survives a new version of its module. The
/// module must invoke `export_server!(upgrade: Type)`.
pub fn serve_upgradable<S: Upgrade>(state: S) {
    SERVER.with(|s| *s.borrow_mut() = Some(Box::new(Upgradable(state))));
}

/// Exports `hatchery_handle`, the callback through which the host drives a server module.
/// Invoke it once, at the top level of the module's crate. `export_server!(upgrade: T)`
/// also exports the hot swap callbacks for `T: Upgrade` (`hatchery_state_save` and
/// `hatchery_code_change`).
#[macro_export]
macro_rules! export_server {
    () => {
        /// The behaviour callback the host calls once per message (ABI.md §5).
        #[unsafe(no_mangle)]
        pub extern "C" fn hatchery_handle(kind: i32, sender: i64, size: i32) {
            $crate::server::handle(kind, sender, size)
        }
    };
    (upgrade: $ty:ty) => {
        $crate::export_server!();

        /// Hot swap: hands this version's state to the host (ABI.md §5, Hot code swap).
        #[unsafe(no_mangle)]
        pub extern "C" fn hatchery_state_save() -> i64 {
            $crate::server::state_save()
        }

        /// Hot swap: takes the state the previous version saved (ABI.md §5, Hot code swap).
        #[unsafe(no_mangle)]
        pub extern "C" fn hatchery_code_change(old_version: i32, size: i32) -> i64 {
            $crate::server::code_change::<$ty>(old_version, size)
        }
    };
}

/// The body of `hatchery_handle`: reads the message and runs the server's callbacks.
#[doc(hidden)]
pub fn handle(kind: i32, sender: i64, size: i32) {
    let mut buf = vec![0u8; usize::try_from(size).unwrap_or(0)];
    sys::message_read(&mut buf);
    let Some(message) = Message::from_raw(kind as u32, sender, &buf) else {
        return;
    };
    // Taken out while it runs, so a nested call inside a callback cannot re-enter it.
    let Some(mut driver) = SERVER.with(|s| s.borrow_mut().take()) else {
        crate::exit(ExitReason::Custom(
            b"a server module must call server::serve in main".to_vec(),
        ));
    };
    driver.dispatch(message);
    SERVER.with(|s| {
        let mut slot = s.borrow_mut();
        if slot.is_none() {
            *slot = Some(driver);
        }
    });
}

/// Keeps `bytes` for the host and returns them packed as `(ptr << 32) | len`.
fn hand_over(bytes: Vec<u8>) -> i64 {
    HANDOVER.with(|h| {
        let mut h = h.borrow_mut();
        *h = bytes;
        let ptr = h.as_ptr() as usize as u64;
        let len = h.len() as u64;
        ((ptr << 32) | (len & 0xffff_ffff)) as i64
    })
}

/// The body of `hatchery_state_save`.
#[doc(hidden)]
pub fn state_save() -> i64 {
    let saved = SERVER.with(|s| s.borrow().as_ref().and_then(|d| d.save()));
    match saved {
        Some(bytes) => hand_over(bytes),
        None => {
            panic!("hatchery_state_save: this server was started with serve, not serve_upgradable")
        }
    }
}

/// The body of `hatchery_code_change`: 0 when the state was taken, else a packed reason.
#[doc(hidden)]
pub fn code_change<S: Upgrade>(old_version: i32, size: i32) -> i64 {
    let mut buf = vec![0u8; usize::try_from(size).unwrap_or(0)];
    sys::message_read(&mut buf);
    match S::code_change(u32::try_from(old_version).unwrap_or(0), &buf) {
        Ok(state) => {
            serve_upgradable(state);
            0
        }
        Err(reason) => {
            let mut bytes = reason.into_bytes();
            if bytes.is_empty() {
                bytes = b"refused".to_vec();
            }
            hand_over(bytes)
        }
    }
}

fn dispatch<S: Server>(state: &mut S, message: Message) {
    let next = match &message {
        Message::User { from, data } => match serde_json::from_slice::<Value>(data) {
            Ok(Value::Object(mut o)) if o.contains_key("$call") => {
                let call = o.remove("$call").unwrap_or(Value::Null);
                let reference = call["ref"].as_u64().unwrap_or(0);
                let request = call.get("req").cloned().unwrap_or(Value::Null);
                let from = From {
                    pid: *from,
                    reference,
                };
                match serde_json::from_value::<S::Call>(request.clone()) {
                    Ok(req) => match state.handle_call(req, &from) {
                        CallResult::Reply(r) => {
                            if let Err(e) = reply(&from, &r) {
                                eprintln!(
                                    "server: the reply to {} could not be sent: {e}",
                                    from.pid
                                );
                            }
                            Next::Continue
                        }
                        CallResult::NoReply => Next::Continue,
                        CallResult::Stop(reason, r) => {
                            if let Some(r) = r {
                                let _ = reply(&from, &r);
                            }
                            Next::Stop(reason)
                        }
                    },
                    Err(e) => panic!("handle_call: no clause matches {request} ({e})"),
                }
            }
            Ok(Value::Object(mut o)) if o.contains_key("$cast") => {
                let msg = o.remove("$cast").unwrap_or(Value::Null);
                match serde_json::from_value::<S::Cast>(msg.clone()) {
                    Ok(m) => state.handle_cast(m),
                    Err(e) => panic!("handle_cast: no clause matches {msg} ({e})"),
                }
            }
            _ => state.handle_info(message),
        },
        // As gen_server: an exit signal from the parent (the supervisor's shutdown) ends a
        // server that traps exits, after `terminate`.
        Message::Exit { from, reason } if sys::parent() == from.0 as i64 && from.0 != 0 => {
            Next::Stop(reason.clone())
        }
        _ => state.handle_info(message),
    };
    if let Next::Stop(reason) = next {
        state.terminate(&reason);
        crate::exit(reason);
    }
}

/// Why a `call` returned no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No reply within the timeout. A reply that comes later stays in the mailbox (a
    /// server sees it in `handle_info`); it is never taken for another call's reply.
    Timeout,
    /// The server ended (or was not alive: `noproc`) before replying.
    Exit(ExitReason),
    /// No process is registered under the name.
    NotRegistered,
    /// The reply did not decode as the expected type.
    Decode(String),
    /// The request could not be sent (too big for the node).
    Send(Error),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Timeout => write!(f, "call timed out"),
            CallError::Exit(r) => write!(f, "the server exited: {r}"),
            CallError::NotRegistered => write!(f, "no process is registered under that name"),
            CallError::Decode(e) => write!(f, "the reply did not decode: {e}"),
            CallError::Send(e) => write!(f, "the request could not be sent: {e}"),
        }
    }
}

impl std::error::Error for CallError {}

/// Sends `request` to `server` and waits for its reply, at most `timeout`.
///
/// The call monitors the server, so a server that is dead or dies before replying gives
/// [`CallError::Exit`] at once; the monitor reference also tags the request, so only this
/// call's reply is taken.
///
/// # Errors
///
/// See [`CallError`].
pub fn call<Req: Serialize + ?Sized, Rep: DeserializeOwned>(
    server: Pid,
    request: &Req,
    timeout: Timeout,
) -> Result<Rep, CallError> {
    let request = serde_json::to_value(request).map_err(|e| CallError::Decode(e.to_string()))?;
    let mref = monitor(server);
    if let Err(e) = server.send(&json!({"$call": {"ref": mref.0, "req": request}})) {
        let _ = demonitor(mref, true);
        return Err(CallError::Send(e));
    }
    let got = receive_match(timeout, |m| match m {
        Message::User { data, .. } => {
            let v: Value = serde_json::from_slice(data).ok()?;
            let r = v.get("$reply")?;
            (r["ref"].as_u64() == Some(mref.0))
                .then(|| Ok(r.get("value").cloned().unwrap_or(Value::Null)))
        }
        Message::Down {
            monitor, reason, ..
        } if *monitor == mref => Some(Err(CallError::Exit(reason.clone()))),
        _ => None,
    });
    match got {
        Some(Ok(value)) => {
            let _ = demonitor(mref, true);
            serde_json::from_value(value).map_err(|e| CallError::Decode(e.to_string()))
        }
        Some(Err(e)) => Err(e),
        None => {
            let _ = demonitor(mref, true);
            Err(CallError::Timeout)
        }
    }
}

/// [`call`] to a registered name.
///
/// # Errors
///
/// [`CallError::NotRegistered`] when no process has the name; otherwise as [`call`].
pub fn call_named<Req: Serialize + ?Sized, Rep: DeserializeOwned>(
    name: &str,
    request: &Req,
    timeout: Timeout,
) -> Result<Rep, CallError> {
    let server = crate::whereis(name).ok_or(CallError::NotRegistered)?;
    call(server, request, timeout)
}

/// Sends an asynchronous request; never waits and never fails visibly (send and pray).
///
/// # Errors
///
/// Only when the message cannot be encoded or is too big.
pub fn cast<T: Serialize + ?Sized>(server: Pid, message: &T) -> Result<(), Error> {
    server.send(
        &json!({"$cast": serde_json::to_value(message).map_err(|e| Error::Decode(e.to_string()))?}),
    )
}

/// Replies to a call, from any process that holds its [`From`].
///
/// # Errors
///
/// Only when the reply cannot be encoded or is too big.
pub fn reply<T: Serialize + ?Sized>(to: &From, value: &T) -> Result<(), Error> {
    let value = serde_json::to_value(value).map_err(|e| Error::Decode(e.to_string()))?;
    to.pid
        .send(&json!({"$reply": {"ref": to.reference, "value": value}}))
}

/// Adds a worker to a running supervisor and starts it. `spec` is
/// `{"id": "w1", "module": "kv", "args": <json>, "restart": "permanent" | "transient" |
/// "temporary", "shutdown": <ms> | "brutal_kill" | "infinity"}` (only `id` and `module`
/// required). Returns the child's pid, or `None` when it ended at once and is not restarted.
///
/// # Errors
///
/// `NoProc` (not a live supervisor), `NameTaken` (the id exists), `BadArg` (a bad spec),
/// `Limit` (it could not start).
pub fn start_child(supervisor: Pid, spec: &Value) -> Result<Option<Pid>, Error> {
    let bytes = serde_json::to_vec(spec).map_err(|e| Error::Decode(e.to_string()))?;
    let code = sys::sup_start_child(supervisor.0 as i64, &bytes);
    match Error::from_code(code) {
        Some(e) => Err(e),
        None => Ok((code > 0).then_some(Pid(code as u64))),
    }
}

/// Stops a supervisor's child by its shutdown protocol and removes it.
///
/// # Errors
///
/// `NoProc` (not a live supervisor), `NotFound` (no such child).
pub fn terminate_child(supervisor: Pid, id: &str) -> Result<(), Error> {
    match Error::from_code(i64::from(sys::sup_terminate_child(
        supervisor.0 as i64,
        id.as_bytes(),
    ))) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A supervisor's children: `[{"id": .., "pid": .. | null, "supervisor": bool}, ...]`.
///
/// # Errors
///
/// `NoProc` when `supervisor` is not a live supervisor.
pub fn which_children(supervisor: Pid) -> Result<Value, Error> {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = sys::sup_which_children(supervisor.0 as i64, &mut buf);
        if let Some(e) = Error::from_code(i64::from(n)) {
            return Err(e);
        }
        let n = n as usize;
        if n <= buf.len() {
            return serde_json::from_slice(&buf[..n]).map_err(|e| Error::Decode(e.to_string()));
        }
        buf.resize(n, 0);
    }
}
