"""poly_py_user: a user of the Erlang messenger (modules/messenger), the Python member of
apps/polyglot (apps/polyglot/README.md). It logs on to the messenger server, then every
``every_ms`` sends its peer a greeting and prints the messages it gets. World ``process``.

Args (JSON, every field optional)::

    {"name": "pythonista", "peer": "gopher", "server": "messenger", "every_ms": 3000}
"""

import json
import sys
from typing import Any

import hatchery

#: How long the user waits for the server's {"messenger": ...} answer.
REPLY_WAIT_MS = 5000
#: How often a logon to a free server name is tried again.
LOGON_RETRY_MS = 100

DEFAULTS = {"name": "pythonista", "peer": "gopher", "server": "messenger", "every_ms": 3000}


class WitWorld:
    """The exports of the world ``process``."""

    def run(self) -> None:
        User(_settings()).run()


def _settings() -> dict[str, Any]:
    """The defaults, with what the spawn arguments set; a bad argument ends the process
    with ``custom: badarg``."""
    settings = dict(DEFAULTS)
    try:
        given = hatchery.args_json(default={})
        if given is None:
            given = {}
        if not isinstance(given, dict):
            raise ValueError(f"the arguments are not a JSON object: {given!r}")
        for key, value in given.items():
            want, what = (int, "an integer") if key == "every_ms" else (str, "a string")
            if key in DEFAULTS and type(value) is not want:
                raise ValueError(f"{key} must be {what}, not {json.dumps(value)}")
        settings.update((k, v) for k, v in given.items() if k in DEFAULTS)
    except (ValueError, RecursionError) as e:
        print(f"poly_py_user: bad arguments: {e}", file=sys.stderr)
        hatchery.exit("badarg")
    return settings


class User:
    """The running client."""

    def __init__(self, settings: dict[str, Any]):
        self.name: str = settings["name"]
        self.peer: str = settings["peer"]
        self.server: str = settings["server"]
        self.every_ms: int = max(0, settings["every_ms"])
        self.sent = 0  # greetings sent so far

    def run(self) -> None:
        self.logon()
        what = self.await_result()
        self.say("logged on" if what == "logged_on" else show(what))
        # The wait is the time left until the next greeting, so that deliveries (a peer
        # greeting more often) do not postpone it, as a fresh every_ms after each would.
        due = hatchery.now_ms() + self.every_ms
        while True:
            wait = max(0, due - hatchery.now_ms())
            delivery = hatchery.receive_match(_delivery, timeout_ms=wait)
            if delivery is not None:
                sender, message = delivery
                self.say(f"message from {sender}: {show(message)}")
                continue
            self.sent += 1
            greeting = f"hello #{self.sent} from Python"
            self.to_server(
                {"message_to": {"from": hatchery.self_pid(), "to": self.peer, "message": greeting}}
            )
            what = self.await_result()
            if what not in ("sent", "receiver_not_found"):
                self.say(show(what))
            due = hatchery.now_ms() + self.every_ms

    def logon(self) -> None:
        """Sends the logon. A supervisor starts its children one after the other without
        waiting for them to register, so the server's name may not be there yet: try
        again every 100 ms for up to 5 s before sending into the void."""
        logon = {"logon": {"from": hatchery.self_pid(), "name": self.name}}
        give_up = hatchery.now_ms() + REPLY_WAIT_MS
        while True:
            try:
                hatchery.send_named(self.server, logon)
                return
            except hatchery.NotRegisteredError:
                if hatchery.now_ms() >= give_up:
                    return  # lost, as in Erlang: await_result's timeout says so
                hatchery.sleep(LOGON_RETRY_MS)
            except hatchery.HatcheryError as e:
                self.complain(e)
                return

    def await_result(self) -> Any:
        """Waits for ``{"messenger": X}`` and returns X. ``{"stop": why}`` prints why and
        ends the process normally; no answer ends it with ``custom: timeout``. Everything
        else stays queued meanwhile."""
        got = hatchery.receive_match(_messenger, timeout_ms=REPLY_WAIT_MS)
        if got is None:
            self.say("no response from server")
            hatchery.exit("timeout")
        (what,) = got
        if isinstance(what, dict) and "stop" in what:
            self.say(show(what["stop"]))
            hatchery.exit(hatchery.NORMAL)
        return what

    def to_server(self, message: Any) -> None:
        """Sends to the server by name; to a free name the message is lost, and
        await_result's timeout says so (send and pray, as in Erlang)."""
        try:
            hatchery.send_named(self.server, message)
        except hatchery.NotRegisteredError:
            pass
        except hatchery.HatcheryError as e:
            self.complain(e)

    def complain(self, error: Exception) -> None:
        print(f"poly_py_user: cannot send to {self.server}: {error}", file=sys.stderr)

    def say(self, line: str) -> None:
        print(f"{self.name}: {line}")


def _field(m: hatchery.Message, key: str) -> tuple[Any] | None:
    """``(value,)`` of ``key`` in a user message that is a JSON object holding it (the
    tuple because the value may be null)."""
    body = m.json_object() if isinstance(m, hatchery.UserMessage) else None
    return (body[key],) if body is not None and key in body else None


def _messenger(m: hatchery.Message) -> tuple[Any] | None:
    return _field(m, "messenger")


def _delivery(m: hatchery.Message) -> tuple[str, Any] | None:
    """``{"message_from": {"name": N, "message": M}}`` as ``(N, M)``."""
    got = _field(m, "message_from")
    body = got[0] if got else None
    if not isinstance(body, dict) or not isinstance(body.get("name", ""), str):
        return None
    return (body.get("name", ""), body.get("message"))


def show(value: Any) -> str:
    """A JSON value as the messenger prints it: a string bare (it stands for an atom),
    anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
