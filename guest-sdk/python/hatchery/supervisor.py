"""Changing a running supervisor's children (guest-sdk/ABI.md §5, "Supervisors").

Supervisors run in the host; a process that knows one's pid can add, stop and list its
children. A child spec is JSON (a ``dict`` here)::

    {"id": "w1", "module": "kv", "args": {"name": "kv2"},
     "restart": "permanent" | "transient" | "temporary",
     "shutdown": 5000 | "brutal_kill" | "infinity"}

Only ``id`` and ``module`` are required.
"""

import json
from typing import Any

from . import _host
from ._host import host
from .pid import Pid


def start_child(supervisor: int, spec: dict | str) -> Pid | None:
    """Adds a child (last in start order) and starts it: its pid, or ``None`` when it
    ended at once and is not restarted. Waits while the supervisor works.

    Raises :class:`~hatchery.NoProcError` (not a live supervisor),
    :class:`~hatchery.NameTakenError` (the id exists), :class:`~hatchery.BadArgError` (a
    bad spec), :class:`~hatchery.LimitError` (it could not start).
    """
    text = spec if isinstance(spec, str) else json.dumps(spec, separators=(",", ":"))
    p = _host.call(host.sup_start_child, _host.pid(supervisor), text)
    return None if p is None else Pid(p)


def terminate_child(supervisor: int, id: str) -> None:
    """Stops the child ``id`` by its shutdown protocol and removes it; waits until it has
    ended. Raises :class:`~hatchery.NoProcError`, :class:`~hatchery.NotFoundError`."""
    _host.call(host.sup_terminate_child, _host.pid(supervisor), id)


def which_children(supervisor: int) -> list[dict[str, Any]]:
    """The children, in start order: ``[{"id": .., "pid": <pid or None>, "supervisor":
    <bool>}, ...]``. Raises :class:`~hatchery.NoProcError`."""
    return json.loads(_host.call(host.sup_which_children, _host.pid(supervisor)))
