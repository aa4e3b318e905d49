"""The gen_server client: synchronous calls and casts (guest-sdk/ABI.md §5, "Calls and
casts"). Every SDK speaks the same JSON, so a Python client can call a server in any
language, and the reverse:

======== ===============================================
call     ``{"$call": {"ref": R, "req": REQ}}``
reply    ``{"$reply": {"ref": R, "value": V}}``
cast     ``{"$cast": M}``
======== ===============================================
"""

from dataclasses import dataclass
from typing import Any

from . import _host
from ._codec import to_json
from .errors import ExitError, HatcheryError, NotRegisteredError, Timeout
from .mailbox import receive_match
from .message import DownMessage, Message, UserMessage
from .pid import Pid
from .process import demonitor, monitor, send, send_named
from .registry import whereis

#: gen_server's default call timeout.
DEFAULT_CALL_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a call: hand it to :func:`reply` (a server's ``handle_call`` gets one)."""

    pid: Pid
    """The calling process."""
    ref: int
    """The call's reference (the ``R`` of the envelope)."""


def call(server: int, request: Any, timeout_ms: float | None = DEFAULT_CALL_TIMEOUT_MS) -> Any:
    """Sends ``request`` (any JSON value) to ``server`` and returns its reply's value.

    The call monitors the server, and the monitor reference tags the request, so only
    this call's reply is taken and a server that is dead or dies first ends the call at
    once. Everything else in the mailbox stays queued.

    Raises :class:`~hatchery.Timeout` when no reply came within ``timeout_ms`` (``None``:
    wait forever; a reply that comes later stays in the mailbox),
    :class:`~hatchery.ExitError` (with the server's ``reason``) when the server is or
    becomes dead, :class:`~hatchery.TooBigError` when the request is too big, and
    ``TypeError`` / ``ValueError`` when it is not JSON.
    """
    body = to_json(request)  # before the monitor: a value JSON cannot hold leaves nothing behind
    pid = Pid(_host.pid(server))
    ref = monitor(pid)
    try:
        send(pid, b'{"$call":{"ref":%d,"req":%s}}' % (ref, body))
    except HatcheryError:
        demonitor(ref, flush=True)
        raise

    def answer(m: Message):
        if isinstance(m, DownMessage):
            return ("down", m.reason) if m.monitor == ref else None
        if isinstance(m, UserMessage):
            envelope = m.json_object()
            reply = envelope.get("$reply") if envelope else None
            if isinstance(reply, dict) and _is_ref(reply.get("ref"), ref):
                return ("reply", reply.get("value"))
        return None

    got = receive_match(answer, timeout_ms)
    if got is None:
        demonitor(ref, flush=True)
        raise Timeout(f"no reply from {pid} within {timeout_ms} ms")
    what, value = got
    if what == "down":
        raise ExitError(value)
    demonitor(ref, flush=True)
    return value


def _is_ref(value: Any, ref: int) -> bool:
    # JSON true is not 1, and 5.0 is not the integer reference 5 (as the other SDKs read it).
    return type(value) is int and value == ref


def call_named(name: str, request: Any, timeout_ms: float | None = DEFAULT_CALL_TIMEOUT_MS) -> Any:
    """:func:`call` to the process registered as ``name``.

    Raises :class:`~hatchery.NotRegisteredError` when the name is free; otherwise as
    :func:`call`.
    """
    server = whereis(name)
    if server is None:
        raise NotRegisteredError(f"no process is registered as {name!r}")
    return call(server, request, timeout_ms)


def cast(server: int, message: Any) -> None:
    """Sends an asynchronous request (any JSON value); never waits (send and pray).

    Raises only for a message that is not JSON or too big.
    """
    send(server, b'{"$cast":%s}' % to_json(message))


def cast_named(name: str, message: Any) -> None:
    """:func:`cast` to the process registered as ``name``; raises
    :class:`~hatchery.NotRegisteredError` when the name is free."""
    send_named(name, b'{"$cast":%s}' % to_json(message))


def reply(caller: Caller, value: Any) -> None:
    """Answers a call, from the server or any process that holds its :class:`Caller`.

    Raises only for a value that is not JSON or too big.
    """
    send(caller.pid, b'{"$reply":{"ref":%d,"value":%s}}' % (caller.ref, to_json(value)))


__all__ = [
    "DEFAULT_CALL_TIMEOUT_MS",
    "Caller",
    "call",
    "call_named",
    "cast",
    "cast_named",
    "reply",
]
