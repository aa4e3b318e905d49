"""Hatchery for Python: Erlang-style processes as WebAssembly components.

A thin layer over the ``hatchery:process`` WIT world (guest-sdk/wit/process.wit), whose
functions mean exactly what guest-sdk/ABI.md says. Build an app with componentize-py;
only ``wit_world``, the bindings it generates, comes from outside this package.

A main-style process (world ``process``): ``run`` is its whole life::

    import hatchery

    class WitWorld:
        def run(self) -> None:
            while (m := hatchery.receive_json(timeout_ms=10_000)) is not None:
                sender, value = m
                hatchery.send(sender, {"echo": value})

A server (world ``behaviour`` or ``upgradable-behaviour``): see :mod:`hatchery.server`.

The pieces:

- identity: :func:`self_pid`, :func:`parent`, :func:`args`, :func:`args_json`,
  :func:`make_ref`, :func:`now_ms`, :func:`node`; :class:`Pid`
- processes: :func:`spawn`, :func:`spawn_link`, :func:`spawn_monitor`, and on another
  node :func:`spawn_at`, :func:`spawn_monitor_at`
- nodes: :func:`nodes`, :func:`pid_node`, :func:`monitor_node`, :func:`monitor_nodes`
- messages: :func:`send`, :func:`send_named`, :func:`send_named_at`, :func:`receive`,
  :func:`receive_match`, :func:`receive_json`, :func:`sleep`, :func:`mailbox_len`, raw
  :func:`recv` / :func:`take`; :class:`UserMessage`, :class:`ExitMessage`, :class:`DownMessage`,
  :class:`NodeUpMessage`, :class:`NodeDownMessage`; :func:`to_json`, :func:`from_json` (with
  :data:`MAX_JSON_DEPTH`)
- links and exits: :func:`link`, :func:`unlink`, :func:`trap_exit`, :func:`exit`,
  :func:`exit_signal`, :func:`kill`; :class:`ExitReason` and its constants
- monitors: :func:`monitor`, :func:`demonitor`
- names: :func:`register`, :func:`unregister`, :func:`whereis`
- timers: :func:`send_after`, :func:`cancel_timer`
- code: :func:`module_version`, :func:`module_rollback`, :func:`hibernate`
- supervisors: :func:`start_child`, :func:`terminate_child`, :func:`which_children`
- gen_server: :class:`Server`, :func:`server_world`, :class:`Stop`, :data:`NO_REPLY`,
  :func:`call`, :func:`call_named`, :func:`cast`, :func:`cast_named`, :func:`reply`,
  :class:`Caller`
- errors: :class:`HatcheryError` and one subclass per ABI error code
"""

from ._codec import MAX_JSON_DEPTH, from_json, to_json
from .client import DEFAULT_CALL_TIMEOUT_MS, Caller, call, call_named, cast, cast_named, reply
from .code import hibernate, module_rollback, module_version
from .errors import (
    AlreadyRegisteredError,
    BadArgError,
    BadNameError,
    ExitError,
    HatcheryError,
    LimitError,
    NameTakenError,
    NoMessageError,
    NoProcError,
    NotFoundError,
    NotRegisteredError,
    NoVersionError,
    Timeout,
    TooBigError,
)
from .mailbox import mailbox_len, receive, receive_json, receive_match, recv, sleep, take
from .message import (
    KIND_DOWN,
    KIND_EXIT,
    KIND_NODEDOWN,
    KIND_NODEUP,
    KIND_USER,
    DownMessage,
    ExitMessage,
    Message,
    NodeDownMessage,
    NodeUpMessage,
    UserMessage,
)
from .pid import Pid
from .process import (
    args,
    args_json,
    demonitor,
    exit,
    exit_signal,
    kill,
    link,
    make_ref,
    monitor,
    monitor_node,
    monitor_nodes,
    node,
    nodes,
    now_ms,
    parent,
    pid_node,
    self_pid,
    send,
    send_named,
    send_named_at,
    spawn,
    spawn_at,
    spawn_link,
    spawn_monitor,
    spawn_monitor_at,
    trap_exit,
    unlink,
)
from .reason import KILLED, NOCONNECTION, NOPROC, NORMAL, SHUTDOWN, ExitReason, ReasonKind
from .registry import register, unregister, whereis
from .server import NO_REPLY, Server, Stop, dispatch, server_world
from .supervisor import start_child, terminate_child, which_children
from .timers import cancel_timer, send_after

__all__ = [
    # identity and processes
    "Pid", "self_pid", "parent", "args", "args_json", "make_ref", "now_ms", "node",
    "spawn", "spawn_link", "spawn_monitor", "spawn_at", "spawn_monitor_at",
    # nodes
    "nodes", "pid_node", "monitor_node", "monitor_nodes",
    # messages
    "send", "send_named", "send_named_at", "receive", "receive_match", "receive_json", "sleep",
    "mailbox_len", "recv", "take", "to_json", "from_json", "MAX_JSON_DEPTH",
    "Message", "UserMessage", "ExitMessage", "DownMessage", "NodeUpMessage", "NodeDownMessage",
    "KIND_USER", "KIND_EXIT", "KIND_DOWN", "KIND_NODEUP", "KIND_NODEDOWN",
    # links, exits, monitors
    "link", "unlink", "trap_exit", "exit", "exit_signal", "kill", "monitor", "demonitor",
    "ExitReason", "ReasonKind", "NORMAL", "KILLED", "NOPROC", "NOCONNECTION", "SHUTDOWN",
    # names, timers, code, supervisors
    "register", "unregister", "whereis", "send_after", "cancel_timer",
    "module_version", "module_rollback", "hibernate",
    "start_child", "terminate_child", "which_children",
    # gen_server
    "Server", "server_world", "dispatch", "Stop", "NO_REPLY", "Caller",
    "call", "call_named", "cast", "cast_named", "reply", "DEFAULT_CALL_TIMEOUT_MS",
    # errors
    "HatcheryError", "Timeout", "NoProcError", "NotRegisteredError", "NameTakenError",
    "AlreadyRegisteredError", "LimitError", "TooBigError", "NoMessageError", "BadNameError",
    "NotFoundError", "BadArgError", "NoVersionError", "ExitError",
]  # fmt: skip
