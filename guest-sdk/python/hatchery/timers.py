"""Timers (guest-sdk/ABI.md §5, "Timers")."""

from typing import Any

from . import _host
from ._codec import to_bytes
from ._host import host


def send_after(to: int, delay_ms: int, message: Any) -> int:
    """Sends ``message`` (bytes as they are, anything else as JSON) to ``to`` after
    ``delay_ms``, as a user message from this process; returns the timer reference. As in
    Erlang, the timer is cancelled when ``to`` ends first.

    Raises :class:`~hatchery.BadArgError` for a delay outside ``0..2**32-1`` ms,
    :class:`~hatchery.TooBigError`.
    """
    delay = _host.u64(delay_ms, "a timer delay")
    return _host.call(host.send_after, _host.pid(to), delay, to_bytes(message))


def cancel_timer(timer: int) -> int | None:
    """Cancels a timer: the milliseconds that were left, or ``None`` when it already fired
    or was cancelled."""
    if not 0 <= timer <= _host.U64_MAX:
        return None
    return host.cancel_timer(timer)
