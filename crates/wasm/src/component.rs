//! The component world `hatchery:process` (guest-sdk/wit/process.wit): the same host
//! functions as the core import module `hatchery_v1`, for guests that are WebAssembly
//! components (Python through componentize-py, JavaScript through componentize-qjs).
//!
//! Each function of the world's `host` interface calls the same code as its `hatchery_v1`
//! twin (`crate::abi::calls`); only the way values cross differs (lifted by the canonical
//! ABI here, read from guest memory there). A component exports `run` (world `process`),
//! or `start` and `handle` (world `behaviour`), plus `state-save` and `code-change`
//! (world `upgradable-behaviour`).

mod host;

/// The generated bindings of the world (its host interface's trait and types).
mod bindings {
    wasmtime::component::bindgen!({
        path: "../../guest-sdk/wit",
        world: "hatchery:process/upgradable-behaviour",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub(crate) use bindings::hatchery::process::host::{
    DownMessage, ErrorCode, ExitMessage, Message as WitMessage, Reason, UserMessage,
};

use crate::exit::ExitReason;
use crate::message::{Message, MessageKind};

/// The import name of the host interface, as a component names it.
pub const HOST_INTERFACE: &str = "hatchery:process/host@0.1.0";

/// The export names of each world.
pub(crate) mod exports {
    /// `process`: the whole life of a main-style process.
    pub const RUN: &str = "run";
    /// `behaviour`: the init.
    pub const START: &str = "start";
    /// `behaviour`: one message.
    pub const HANDLE: &str = "handle";
    /// `upgradable-behaviour`: the state, from the old version.
    pub const STATE_SAVE: &str = "state-save";
    /// `upgradable-behaviour`: the state, into the new version.
    pub const CODE_CHANGE: &str = "code-change";
}

/// Adds the host interface to a component linker.
pub(crate) fn add_to_linker(
    linker: &mut wasmtime::component::Linker<crate::runtime::state::ProcessState>,
) -> wasmtime::Result<()> {
    bindings::hatchery::process::host::add_to_linker::<_, wasmtime::component::HasSelf<_>>(
        linker,
        |s| s,
    )
}

impl From<&ExitReason> for Reason {
    fn from(r: &ExitReason) -> Reason {
        match r {
            ExitReason::Normal => Reason::Normal,
            ExitReason::Killed => Reason::Killed,
            ExitReason::NoProc => Reason::Noproc,
            ExitReason::NoConnection => Reason::Noconnection,
            ExitReason::Shutdown => Reason::Shutdown,
            ExitReason::Trap(t) => Reason::Trap(t.clone()),
            ExitReason::Limit(t) => Reason::Limit(t.clone()),
            ExitReason::Custom(b) => Reason::Custom(b.clone()),
            ExitReason::Undef(t) => Reason::Undef(t.clone()),
        }
    }
}

impl From<Reason> for ExitReason {
    fn from(r: Reason) -> ExitReason {
        match r {
            Reason::Normal => ExitReason::Normal,
            Reason::Killed => ExitReason::Killed,
            Reason::Noproc => ExitReason::NoProc,
            Reason::Noconnection => ExitReason::NoConnection,
            Reason::Shutdown => ExitReason::Shutdown,
            Reason::Trap(t) => ExitReason::Trap(t),
            Reason::Limit(t) => ExitReason::Limit(t),
            Reason::Custom(b) => ExitReason::Custom(b),
            Reason::Undef(t) => ExitReason::Undef(t),
        }
    }
}

/// A mailbox message as the world's `message` variant.
pub(crate) fn to_wit(m: &Message) -> WitMessage {
    let sender = m.sender.as_u64();
    match m.kind {
        MessageKind::User => WitMessage::User(UserMessage {
            sender,
            data: m.data.to_vec(),
        }),
        MessageKind::Exit => WitMessage::Exit(ExitMessage {
            sender,
            reason: Reason::from(&m.reason().unwrap_or(ExitReason::Normal)),
        }),
        MessageKind::Down => WitMessage::Down(DownMessage {
            pid: sender,
            monitor: m.monitor_ref().unwrap_or(0),
            reason: Reason::from(&m.reason().unwrap_or(ExitReason::Normal)),
        }),
        MessageKind::NodeUp => WitMessage::Nodeup(String::from_utf8_lossy(&m.data).into_owned()),
        MessageKind::NodeDown => {
            WitMessage::Nodedown(String::from_utf8_lossy(&m.data).into_owned())
        }
    }
}

/// The world's error for an ABI error code (ABI.md §2).
pub(crate) fn error_code(code: i32) -> ErrorCode {
    use crate::abi::err;
    match code {
        err::TIMEOUT => ErrorCode::Timeout,
        err::NOPROC => ErrorCode::Noproc,
        err::NOT_REGISTERED => ErrorCode::NotRegistered,
        err::NAME_TAKEN => ErrorCode::NameTaken,
        err::ALREADY_REGISTERED => ErrorCode::AlreadyRegistered,
        err::LIMIT => ErrorCode::Limit,
        err::TOO_BIG => ErrorCode::TooBig,
        err::NO_MESSAGE => ErrorCode::NoMessage,
        err::BAD_NAME => ErrorCode::BadName,
        err::NOT_FOUND => ErrorCode::NotFound,
        err::NO_VERSION => ErrorCode::NoVersion,
        _ => ErrorCode::BadArg,
    }
}
