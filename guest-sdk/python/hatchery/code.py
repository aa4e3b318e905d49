"""Module versions and hibernation (guest-sdk/ABI.md §5, "Hot code swap")."""

from . import _host
from ._host import host


def module_version(name: str) -> int:
    """The current version of module ``name`` (1, 2, … in load order).

    Raises :class:`~hatchery.NotFoundError` when no such module is loaded.
    """
    return _host.call(host.module_version, name)


def module_rollback(name: str) -> int:
    """Makes the previous version of module ``name`` current again, and returns it; its
    behaviour processes move back at their next message.

    Raises :class:`~hatchery.NotFoundError`, :class:`~hatchery.NoVersionError`.
    """
    return _host.call(host.module_rollback, name)


def hibernate() -> None:
    """Asks the host to hibernate this server once the current callback returns: its
    state is saved, its instance dropped, and the next message wakes a fresh instance
    through ``code_change`` (told its own version). Only an upgradable server (world
    ``upgradable-behaviour``) hibernates; for others nothing happens."""
    host.hibernate()
