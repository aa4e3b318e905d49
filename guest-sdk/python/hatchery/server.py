"""Behaviours: gen_server-style servers that the host drives one message at a time
(guest-sdk/ABI.md §5, "Behaviours", "Calls and casts", "Hot code swap").

Subclass :class:`Server`, then let :func:`server_world` build the class the component
world needs::

    import hatchery

    class Counter(hatchery.Server):
        def __init__(self):
            self.count = 0                    # the state: plain attributes

        def handle_call(self, request, caller):
            return self.count                 # the reply

        def handle_cast(self, n):
            self.count += n

    WitWorld = hatchery.server_world(Counter)

Build it for the world ``behaviour`` (or ``upgradable-behaviour``, to keep the state
across a new version of the module). Between messages no Python code runs: the host
holds the mailbox and calls ``handle`` for the oldest message.

A user message whose JSON is an object with the key ``"$call"`` goes to
:meth:`Server.handle_call`, one with ``"$cast"`` to :meth:`Server.handle_cast`, every
other message (other JSON, bytes, exit, down and node messages) to
:meth:`Server.handle_info`,
except that an exit message from the parent (a supervisor shutting the server down, when
it traps exits) runs :meth:`Server.terminate` and ends the server with that reason, as
gen_server does.
"""

import json
import sys
from typing import Any

from . import _host
from ._codec import json_object, to_json
from .client import Caller, reply
from .errors import HatcheryError
from .message import ExitMessage, Message, UserMessage, from_wit
from .process import exit, parent
from .reason import NORMAL, ExitReason


class _NoReply:
    def __repr__(self) -> str:
        return "NO_REPLY"


NO_REPLY = _NoReply()
"""Return it from :meth:`Server.handle_call` to answer later with :func:`~hatchery.reply`."""

_UNSET = object()


class Stop(Exception):
    """Raise it in a callback to end the server: :meth:`Server.terminate` runs, then the
    process ends with ``reason`` (text or bytes: a ``custom`` reason). In
    ``handle_call``, ``reply=`` answers the call first.

    ::

        def handle_cast(self, message):
            if message == "stop":
                raise hatchery.Stop(hatchery.NORMAL)
    """

    def __init__(self, reason: ExitReason | str | bytes = NORMAL, *, reply: Any = _UNSET):
        self.reason = ExitReason.of(reason)
        self.reply = reply
        super().__init__(str(self.reason))


class Server:
    """The callbacks of a server; override what you need (``handle_call`` if it takes
    calls). The state is the instance's attributes.

    ``__init__`` must run without arguments: it sets the state's defaults, when the
    process starts and (by default) before an upgrade copies the saved attributes in, so
    a field new in this version gets its default.
    """

    def init(self) -> None:
        """Runs once, when the process starts (not after an upgrade or hibernation):
        register a name, read :func:`~hatchery.args`, start timers. ``raise Stop(reason)``
        ends the process at once (without ``terminate``)."""

    def handle_call(self, request: Any, caller: Caller) -> Any:
        """A synchronous request (any JSON value). The return value is the reply
        (``None`` replies ``null``); return :data:`NO_REPLY` to reply later with
        :func:`~hatchery.reply`. The default crashes the server, as a gen_server without
        a matching ``handle_call`` clause does."""
        name = type(self).__name__
        raise NotImplementedError(f"{name} has no handle_call (request: {request!r})")

    def handle_cast(self, message: Any) -> None:
        """An asynchronous request (any JSON value). The default ignores it."""

    def handle_info(self, message: Message) -> None:
        """Any other message: plain sends, exit and down messages, late replies. The
        default ignores it."""

    def terminate(self, reason: ExitReason) -> None:
        """Runs before the server ends by :class:`Stop`, or by its parent's exit signal."""

    def save(self) -> bytes:
        """The state for the next version of the module (or for waking from
        hibernation). The default is the instance's attributes as a JSON object, which
        the default :meth:`code_change` reads back."""
        return to_json(vars(self))

    @classmethod
    def code_change(cls, old_version: int, state: bytes) -> "Server":
        """Builds this version's server from what version ``old_version`` saved (its own
        version when the process wakes from hibernation). Raise any exception to refuse:
        the process then stays on the old version, and the message is reported.

        The default makes ``cls()`` and copies in the attributes of the default
        :meth:`save`."""
        saved = json.loads(state.decode("utf-8"))
        if not isinstance(saved, dict):
            raise ValueError(f"the state v{old_version} saved is not a JSON object: {saved!r}")
        server = cls()
        server.__dict__.update(saved)
        return server


#: The running server (the instance's state between messages).
_server: Server | None = None


def server_world(cls: type[Server]) -> type:
    """The ``WitWorld`` class for a :class:`Server` subclass: its methods are the exports
    of the worlds ``behaviour`` and ``upgradable-behaviour`` (``start``, which runs the
    server's ``init``, ``handle``, ``state-save``, ``code-change``). Name it ``WitWorld`` in
    the app's module::

        WitWorld = hatchery.server_world(Counter)
    """
    if not (isinstance(cls, type) and issubclass(cls, Server)):
        raise TypeError(f"server_world needs a subclass of hatchery.Server, not {cls!r}")

    class WitWorld:
        __doc__ = f"The component exports of the server {cls.__qualname__}."

        def start(self) -> None:
            _start(cls)

        def handle(self, message) -> None:
            _handle(from_wit(message))

        def state_save(self) -> bytes:
            return _state_save()

        def code_change(self, old_version: int, state: bytes) -> None:
            _code_change(cls, old_version, state)

    return WitWorld


def _start(cls: type[Server]) -> None:
    global _server
    server = cls()
    try:
        server.init()
    except Stop as stop:
        exit(stop.reason)
    _server = server


def _handle(message: Message) -> None:
    server = _server
    if server is None:
        exit(ExitReason.custom("hatchery: a message came before the server's init ran"))
    try:
        dispatch(server, message)
    except Stop as stop:
        server.terminate(stop.reason)
        exit(stop.reason)


def dispatch(server: Server, message: Message) -> None:
    """Hands one message to ``server``'s callbacks, by the rules of the module docstring
    (the body of the ``handle`` export). :class:`Stop` propagates."""
    if isinstance(message, UserMessage):
        envelope = json_object(message.data)
        if envelope is not None and "$call" in envelope:
            _call(server, message, envelope["$call"])
        elif envelope is not None and "$cast" in envelope:
            server.handle_cast(envelope["$cast"])
        else:
            server.handle_info(message)
    elif isinstance(message, ExitMessage) and message.sender != 0 and message.sender == parent():
        raise Stop(message.reason)
    else:
        server.handle_info(message)


def _call(server: Server, message: UserMessage, body: Any) -> None:
    body = body if isinstance(body, dict) else {}
    ref = body.get("ref")
    # As the other SDKs read it: a reference that is not a u64 becomes 0.
    ref = ref if type(ref) is int and 0 <= ref <= _host.U64_MAX else 0
    caller = Caller(message.sender, ref)
    try:
        value = server.handle_call(body.get("req"), caller)
    except Stop as stop:
        if stop.reply is not _UNSET:
            _reply(caller, stop.reply)
        raise
    if value is not NO_REPLY:
        _reply(caller, value)


def _reply(caller: Caller, value: Any) -> None:
    # A reply that cannot go (too big, not JSON) must not crash the server: the caller
    # times out, and the output says why.
    try:
        reply(caller, value)
    except (HatcheryError, TypeError, ValueError) as e:
        print(f"hatchery: the reply to {caller.pid} could not be sent: {e}", file=sys.stderr)


def _state_save() -> bytes:
    if _server is None:
        raise RuntimeError("hatchery: state-save before the server's init ran")
    state = _server.save()
    return state.encode() if isinstance(state, str) else bytes(state)


def _code_change(cls: type[Server], old_version: int, state: bytes) -> None:
    global _server
    try:
        server = cls.code_change(old_version, bytes(state))
        if not isinstance(server, Server):
            raise TypeError(f"{cls.__qualname__}.code_change returned {server!r}, not a server")
    except Exception as e:
        # The refusal the host reports; the process stays on the old version.
        raise _host.Err(f"{type(e).__name__}: {e}") from None
    _server = server
