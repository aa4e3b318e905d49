"""{{name}}: a Hatchery server (a gen_server) written in Python. It registers itself as
"{{name}}", greets whoever a cast names, answers calls about what it did, and keeps its
state when a new version of the module is loaded while it runs.

Messages (JSON, the gen_server protocol of Hatchery's guest ABI):

    {"$cast": {"greet": "Ada"}}            prints "{{name}}: Hello, Ada! (greeting #1)"
    {"$call": {"ref": 1, "req": "count"}}  replies with the number of greetings
    {"$call": {"ref": 1, "req": "last"}}   replies with the last name greeted, or null
"""

import json

import hatchery

# The module's name, and the name the server registers under.
NAME = "{{name}}"


class Hello(hatchery.Server):
    """The server. Its attributes are its state."""

    def __init__(self):
        # The state's defaults. This runs at start, and before an upgrade (code_change)
        # fills the state in, so it must not do anything else: that is init's job.
        self.count = 0
        self.last = None

    def init(self):
        """Runs once when the process starts (not after an upgrade)."""
        try:
            hatchery.register(NAME, hatchery.self_pid())
        except hatchery.HatcheryError as e:
            print(f"{NAME}: cannot register as {NAME}: {e}")
            raise hatchery.Stop("name_taken") from None
        print(f"{NAME}: hello from Python! I am {hatchery.self_pid()}, registered as {NAME}")

    def handle_call(self, request, caller):
        """Answers "count" and "last"; the return value is the reply."""
        match request:
            case "count":
                return self.count
            case "last":
                return self.last
            case _:
                return {"error": f"unknown request: {json.dumps(request)}"}

    def handle_cast(self, message):
        """Greets: {"greet": NAME}."""
        match message:
            case {"greet": str(who)}:
                self.count += 1
                self.last = who
                print(f"{NAME}: Hello, {who}! (greeting #{self.count})")
            case _:
                print(f"{NAME}: ignoring the cast {json.dumps(message)}")

    def save(self) -> bytes:
        """Hands the state to the next version of the module (and to this version, when
        the process wakes from hibernation)."""
        return hatchery.to_json({"count": self.count, "last": self.last})

    @classmethod
    def code_change(cls, old_version, state):
        """Takes the state an older version saved; raising refuses the upgrade, and the
        process stays on the old version."""
        saved = json.loads(state)
        server = cls()
        server.count = int(saved["count"])
        server.last = saved.get("last")
        return server


# The exports the host calls: init, handle, state-save and code-change.
WitWorld = hatchery.server_world(Hello)
