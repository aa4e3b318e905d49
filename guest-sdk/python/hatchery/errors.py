"""Exceptions for the ABI's error codes (guest-sdk/ABI.md §2).

A host function that fails raises the exception of its code; every one is a
:class:`HatcheryError` whose ``code`` is the ABI's negative number, so code that speaks
the core ABI's numbers (the conformance replies, logs) can get it back::

    try:
        hatchery.register("kv", hatchery.self_pid())
    except hatchery.NameTakenError:
        ...                         # someone else is "kv"
    except hatchery.HatcheryError as e:
        print("register failed:", e.code, e)
"""


class HatcheryError(Exception):
    """A host function failed. ``code`` is the ABI error code (``-1`` … ``-12``)."""

    code: int = -11
    """The ABI error code."""

    def __init__(self, message: str | None = None):
        super().__init__(message or self.__doc__.splitlines()[0])


class Timeout(HatcheryError):
    """No message arrived before the timeout (``-1``)."""

    code = -1


class NoProcError(HatcheryError):
    """The pid names no live process (``-2``)."""

    code = -2


class NotRegisteredError(HatcheryError):
    """No process is registered under that name (``-3``)."""

    code = -3


class NameTakenError(HatcheryError):
    """Another process is registered under that name, or a child id exists (``-4``)."""

    code = -4


class AlreadyRegisteredError(HatcheryError):
    """The process already has a registered name (``-5``)."""

    code = -5


class LimitError(HatcheryError):
    """A node limit stops the call, such as the process cap for ``spawn`` (``-6``)."""

    code = -6


class TooBigError(HatcheryError):
    """The message is larger than the node's maximum message size (``-7``)."""

    code = -7


class NoMessageError(HatcheryError):
    """There is no message at that mailbox index (``-8``)."""

    code = -8


class BadNameError(HatcheryError):
    """A name is empty or longer than 255 bytes (``-9``)."""

    code = -9


class NotFoundError(HatcheryError):
    """The module, monitor, timer or child is unknown (``-10``)."""

    code = -10


class BadArgError(HatcheryError):
    """An argument is out of its range (``-11``)."""

    code = -11


class NoVersionError(HatcheryError):
    """The module has no previous version to roll back to (``-12``)."""

    code = -12


class ExitError(NoProcError):
    """A :func:`~hatchery.call` found the server dead, or it died before replying.

    ``reason`` is the server's :class:`~hatchery.ExitReason` (``noproc`` when it was
    already dead). Its code is ``-2``, as the call's monitor saw ``noproc`` or worse.
    """

    def __init__(self, reason):
        self.reason = reason
        super().__init__(f"the server exited: {reason}")


#: The exception class of each name of the WIT world's ``error-code`` enum.
_BY_WIT_NAME = {
    "TIMEOUT": Timeout,
    "NOPROC": NoProcError,
    "NOT_REGISTERED": NotRegisteredError,
    "NAME_TAKEN": NameTakenError,
    "ALREADY_REGISTERED": AlreadyRegisteredError,
    "LIMIT": LimitError,
    "TOO_BIG": TooBigError,
    "NO_MESSAGE": NoMessageError,
    "BAD_NAME": BadNameError,
    "NOT_FOUND": NotFoundError,
    "BAD_ARG": BadArgError,
    "NO_VERSION": NoVersionError,
}

_BY_CODE = {cls.code: cls for cls in _BY_WIT_NAME.values()}


def from_wit(error_code) -> HatcheryError:
    """The exception for a value of the WIT ``error-code`` enum."""
    return _BY_WIT_NAME.get(getattr(error_code, "name", ""), BadArgError)()


def from_code(code: int) -> HatcheryError:
    """The exception for an ABI error code (``-1`` … ``-12``; others give bad_arg)."""
    return _BY_CODE.get(code, BadArgError)()
