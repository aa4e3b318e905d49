"""Processes: identity, spawning, sending, links, exit signals and monitors
(guest-sdk/ABI.md §5)."""

from typing import Any, NoReturn

from . import _host
from ._codec import from_json, to_bytes
from ._host import host
from .errors import HatcheryError
from .pid import Pid
from .reason import KILLED, NORMAL, ExitReason, ReasonKind

# Identity and arguments


def self_pid() -> Pid:
    """The calling process's pid."""
    return Pid(host.self_pid())


def parent() -> Pid | None:
    """The process that spawned this one (a supervisor, for supervised children), or
    ``None``."""
    p = host.parent()
    return None if p is None else Pid(p)


def args() -> bytes:
    """The argument bytes the process was spawned with."""
    return bytes(host.args())


def args_json(default: Any = None) -> Any:
    """The spawn arguments decoded as JSON, or ``default`` when there are none.

    Raises ``ValueError`` when the arguments are not JSON.
    """
    data = args()
    if not data.strip():
        return default
    return from_json(data)


def make_ref() -> int:
    """A reference unique within the node."""
    return host.make_ref()


def now_ms() -> int:
    """Milliseconds on the node's monotonic clock."""
    return host.now_ms()


def node() -> str:
    """This node's name in its cluster (``nonode`` for a node alone), as Erlang's
    ``node()``."""
    return host.node_name()


# Spawning


def spawn(module: str, args: Any = b"", *, link: bool = False) -> Pid:
    """Starts the current version of ``module`` with ``args`` (bytes as they are,
    anything else as JSON); with ``link=True`` the link exists before the child runs.

    A child that cannot start (an unknown module, say) still gets a pid, and ends at once
    with reason ``undef``. Raises :class:`~hatchery.LimitError` at the node's process
    cap, :class:`~hatchery.BadNameError` for an empty or overlong module name.
    """
    return _spawn(module, args, link, False)[0]


def spawn_link(module: str, args: Any = b"") -> Pid:
    """:func:`spawn` with a link (Erlang's ``spawn_link``)."""
    return _spawn(module, args, True, False)[0]


def spawn_monitor(module: str, args: Any = b"", *, link: bool = False) -> tuple[Pid, int]:
    """:func:`spawn` with a monitor: the child's pid and the monitor reference. The
    monitor exists before the child runs, so its :class:`~hatchery.DownMessage` comes
    even when it cannot start."""
    return _spawn(module, args, link, True)


def _spawn(module: str, args: Any, link: bool, monitor: bool) -> tuple[Pid, int]:
    s = _host.call(host.spawn, module, to_bytes(args), link, monitor)
    return Pid(s.pid), s.monitor or 0


def spawn_at(node: str, module: str, args: Any = b"", *, link: bool = False) -> Pid:
    """:func:`spawn` on the node of the cluster called ``node`` (Erlang's
    ``spawn(Node, ...)``); this node's own name spawns here. Waits for the other node's
    answer.

    Raises :class:`~hatchery.NoProcError` when no node of that name is connected (or the
    connection broke before the answer), :class:`~hatchery.LimitError`,
    :class:`~hatchery.BadNameError` (either name).
    """
    return _spawn_at(node, module, args, link, False)[0]


def spawn_monitor_at(
    node: str, module: str, args: Any = b"", *, link: bool = False
) -> tuple[Pid, int]:
    """:func:`spawn_at` with a monitor: the child's pid and the monitor reference, as
    :func:`spawn_monitor`."""
    return _spawn_at(node, module, args, link, True)


def _spawn_at(node: str, module: str, args: Any, link: bool, monitor: bool) -> tuple[Pid, int]:
    s = _host.call(host.spawn_at, node, module, to_bytes(args), link, monitor)
    return Pid(s.pid), s.monitor or 0


# Nodes


def nodes() -> list[str]:
    """The names of the other nodes connected now (Erlang's ``nodes()``), in the order
    they connected; empty for a node alone."""
    return list(host.nodes())


def pid_node(pid: int) -> str:
    """The name of the node ``pid`` belongs to (Erlang's ``node(Pid)``): :func:`node`
    for this node's pids."""
    return host.pid_node(_host.pid(pid))


def monitor_node(node: str, on: bool = True) -> None:
    """Erlang's ``monitor_node(Node, Flag)``. On: one
    :class:`~hatchery.NodeDownMessage` when the node disconnects, at once when it is not
    connected now (this node's own name never fires); each call adds one. Off: removes
    this process's monitors of that node.

    Raises :class:`~hatchery.BadNameError` (empty or longer than 255 bytes).
    """
    _host.call(host.monitor_node, node, bool(on))


def monitor_nodes(on: bool = True) -> None:
    """Erlang's ``net_kernel:monitor_nodes(Flag)``: whether this process receives
    :class:`~hatchery.NodeUpMessage` and :class:`~hatchery.NodeDownMessage` for every
    node that connects or disconnects."""
    host.monitor_nodes(bool(on))


# Sending


def send(to: int, message: Any) -> None:
    """Sends ``message`` to the process ``to``: bytes as they are, anything else as JSON.

    A message to a dead process is dropped silently, as in Erlang. Raises
    :class:`~hatchery.TooBigError` over the node's message size limit.
    """
    _host.call(host.send, _host.pid(to), to_bytes(message))


def send_named(name: str, message: Any) -> None:
    """Sends ``message`` to the process registered as ``name``.

    Raises :class:`~hatchery.NotRegisteredError` when no process has the name,
    :class:`~hatchery.BadNameError`, :class:`~hatchery.TooBigError`.
    """
    _host.call(host.send_named, name, to_bytes(message))


def send_named_at(name: str, node: str, message: Any) -> None:
    """Sends ``message`` to the process registered as ``name`` on the node called
    ``node`` (Erlang's ``{Name, Node} ! Msg``).

    On this node's own name it is :func:`send_named`; to another node it returns also when
    nobody there has the name or the node is not connected (the message is dropped there).
    Raises :class:`~hatchery.NotRegisteredError` (this node only),
    :class:`~hatchery.BadNameError` (either name), :class:`~hatchery.TooBigError`.
    """
    _host.call(host.send_named_at, name, node, to_bytes(message))


# Links and exits


def link(pid: int) -> None:
    """Links this process and ``pid``: when either ends, the other gets its exit signal.

    When ``pid`` is dead, this process gets exit signal ``noproc``: one that traps exits
    gets an :class:`~hatchery.ExitMessage` and :class:`~hatchery.NoProcError` is raised;
    one that does not is ended with ``noproc``.
    """
    _host.call(host.link, _host.pid(pid))


def unlink(pid: int) -> None:
    """Removes the link with ``pid``, if there is one."""
    host.unlink(_host.pid(pid))


def trap_exit(flag: bool) -> bool:
    """Sets whether exit signals become :class:`~hatchery.ExitMessage` messages instead of
    ending this process; returns the previous setting."""
    return host.trap_exit(bool(flag))


def exit(reason: ExitReason | str | bytes = NORMAL) -> NoReturn:
    """Ends this process with ``reason`` (text or bytes: a ``custom`` reason). It does not
    return: the host ends the process inside the call.

    A process can end itself only with ``normal``, ``shutdown`` or ``custom``; any other
    reason becomes ``custom`` with the reason's text (``custom: killed``).
    """
    reason = ExitReason.of(reason)
    if reason.kind not in (ReasonKind.NORMAL, ReasonKind.SHUTDOWN, ReasonKind.CUSTOM):
        reason = ExitReason.custom(str(reason))
    host.exit(reason.to_wit())
    raise AssertionError("hatchery: the host returned from exit")  # never reached


def exit_signal(pid: int, reason: ExitReason | str | bytes) -> None:
    """Sends the exit signal ``reason`` to ``pid``, as if this process had ended with it
    while linked; ``KILLED`` sends the untrappable kill.

    Raises :class:`~hatchery.NoProcError` when ``pid`` is not alive.
    """
    _host.call(host.exit_signal, _host.pid(pid), ExitReason.of(reason).to_wit())


def kill(pid: int) -> None:
    """Ends ``pid`` with reason ``killed``, even if it traps exits."""
    exit_signal(pid, KILLED)


# Monitors


def monitor(pid: int) -> int:
    """Monitors ``pid``: one :class:`~hatchery.DownMessage` with this reference follows
    when it ends (at once, reason ``noproc``, when it is already dead)."""
    return host.monitor(_host.pid(pid))


def demonitor(monitor: int, flush: bool = False) -> bool:
    """Removes a monitor; with ``flush``, also its queued down message. Returns whether the
    monitor was still active (``False``: it already fired, or the reference is unknown;
    Erlang's ``demonitor(Ref, [info])``)."""
    try:
        _host.call(host.demonitor, _host.u64(monitor, "a monitor reference"), bool(flush))
        return True
    except HatcheryError:
        # not_found, or a reference that cannot exist (a bad u64): nothing was removed.
        # With flush the host removed the queued down message anyway.
        return False
