"""Selective receive over the mailbox (guest-sdk/ABI.md §4, "Selective receive").

Timeouts are milliseconds, as everywhere in Hatchery: ``None`` waits forever, ``0`` only
looks at what is already queued, ``n`` waits at most ``n`` ms in all (a deadline on the
node clock, however many messages are looked at meanwhile). A negative timeout is a
``ValueError``: it is usually a deadline computed in the past, and "forever" would hide it.
"""

import math
from collections.abc import Callable
from typing import Any, TypeVar

from . import _host
from ._host import host
from .message import Message, UserMessage, from_wit
from .pid import Pid

T = TypeVar("T")


def _timeout(timeout_ms: float | None) -> int | None:
    if timeout_ms is None:
        return None
    if timeout_ms < 0:
        raise ValueError(f"a timeout is None (forever) or >= 0 ms, not {timeout_ms}")
    # Capped so that now + timeout still fits the host's u64 (2**63 ms is forever anyway).
    return min(math.ceil(timeout_ms), 1 << 63)


def receive_match(f: Callable[[Message], T | None], timeout_ms: float | None = None) -> T | None:
    """Waits for the first message, oldest first, for which ``f`` returns something other
    than ``None``; removes it from the mailbox and returns what ``f`` returned. Messages
    for which ``f`` returns ``None`` stay queued, in order. Returns ``None`` when nothing
    matched in time (Erlang's ``after`` branch).

    ``f`` may see the same message again in a later receive, so it should have no side
    effects it cannot repeat. An exception in ``f`` propagates (the message stays queued).

    ::

        def messenger_reply(m):
            if isinstance(m, hatchery.UserMessage):
                body = m.json_object() or {}
                if "messenger" in body:
                    return ("reply", body["messenger"])  # a tuple: the reply may be null
            return None

        # Wait up to 5 s for {"messenger": X}; everything else stays queued.
        got = hatchery.receive_match(messenger_reply, timeout_ms=5000)
    """
    wait = _timeout(timeout_ms)
    deadline = None if not wait else host.now_ms() + wait
    index = 0
    while True:
        if deadline is not None:
            wait = max(0, deadline - host.now_ms())
        try:
            raw = host.recv(index, wait)
        except _host.Err:
            # timeout is the `after` branch; no other code can come for an index that
            # only grows past what this process has looked at, but it would end the
            # receive the same way.
            return None
        got = f(from_wit(raw))
        if got is not None:
            # The message is still at `index`: only this process removes messages.
            _host.call(host.take, index)
            return got
        index += 1


def receive(
    match: Callable[[Message], Any] | None = None, timeout_ms: float | None = None
) -> Message | None:
    """Removes and returns the oldest message for which ``match(message)`` is true (any
    message when ``match`` is ``None``), waiting at most ``timeout_ms``; ``None`` on
    timeout. Messages that do not match stay queued, in order.

    ::

        m = hatchery.receive(lambda m: isinstance(m, hatchery.DownMessage), timeout_ms=100)
    """
    if match is None:
        return receive_match(lambda m: m, timeout_ms)
    return receive_match(lambda m: m if match(m) else None, timeout_ms)


def receive_json(timeout_ms: float | None = None) -> tuple[Pid, Any] | None:
    """The oldest user message that is JSON, decoded, with its sender; ``None`` on
    timeout. Other messages (not JSON, exit and down messages) stay queued."""

    def decode(m: Message):
        if isinstance(m, UserMessage):
            try:
                return (m.sender, m.json())
            except (ValueError, RecursionError):
                return None
        return None

    return receive_match(decode, timeout_ms)


def sleep(ms: float) -> None:
    """Waits ``ms`` milliseconds without taking a message (Erlang's ``timer:sleep``: a
    receive that matches nothing)."""
    receive_match(lambda m: None, ms)


def recv(index: int, timeout_ms: float | None = None) -> Message:
    """The raw host call: waits for a message at mailbox position ``index`` (0 = oldest)
    and returns it, leaving it queued until :func:`take`.

    Raises :class:`~hatchery.Timeout` when none came in time, and
    :class:`~hatchery.BadArgError` for an index outside ``0..2**32-1``.
    """
    index = _host.u32(index, "a mailbox index")
    return from_wit(_host.call(host.recv, index, _timeout(timeout_ms)))


def take(index: int) -> None:
    """The raw host call: removes the message at ``index``.

    Raises :class:`~hatchery.NoMessageError` when there is none.
    """
    index = _host.u32(index, "a mailbox index")
    _host.call(host.take, index)


def mailbox_len() -> int:
    """The number of queued messages."""
    return host.mailbox_len()
