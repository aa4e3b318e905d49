"""Registered names (guest-sdk/ABI.md §5, "Registered names"). Names are unique on the
node; a process has at most one, and it is freed when the process ends."""

from . import _host
from ._host import host
from .pid import Pid


def register(name: str, pid: int) -> None:
    """Registers ``pid`` under ``name``.

    Raises :class:`~hatchery.NameTakenError` (another process has the name),
    :class:`~hatchery.AlreadyRegisteredError` (``pid`` has a name),
    :class:`~hatchery.NoProcError` (``pid`` is dead), :class:`~hatchery.BadNameError`
    (empty, or longer than 255 bytes).
    """
    _host.call(host.register, name, _host.pid(pid))


def unregister(name: str) -> None:
    """Frees ``name``. Raises :class:`~hatchery.NotRegisteredError` when it is free."""
    _host.call(host.unregister, name)


def whereis(name: str) -> Pid | None:
    """The process registered under ``name``, or ``None`` when the name is free.

    Raises :class:`~hatchery.BadNameError` for a name no process could have.
    """
    p = _host.call(host.whereis, name)
    return None if p is None else Pid(p)
