"""The counter server of the conformance protocol (modules/conformance/PROTOCOL.md, "The
counter server"), which conf_py_server (v1) and conf_py_server_v2 build from."""

import sys

import hatchery


def counter(version: int) -> type[hatchery.Server]:
    """The counter server class of ``version`` (1 or 2)."""

    class Counter(hatchery.Server):
        """A count (changed by casts) and the number of info messages."""

        def __init__(self):
            self.count = 0
            self.infos = 0

        def handle_call(self, request, caller):
            match request:
                case "get":
                    return self.count
                case "infos":
                    return self.infos
                case "version":
                    return version
                case _:
                    return {"unknown": request}

        def handle_cast(self, n):
            # A number only (JSON true is not 1); anything else is ignored, with a note.
            if type(n) is int:
                self.count += n
            else:
                print(f"conf_py_server: ignoring the cast {n!r}", file=sys.stderr)

        def handle_info(self, message):
            self.infos += 1

        def save(self) -> bytes:
            """v1 saves ``[count, infos]``, v2 ``{"count": .., "infos": ..}``."""
            if version == 1:
                return hatchery.to_json([self.count, self.infos])
            return hatchery.to_json({"count": self.count, "infos": self.infos})

        @classmethod
        def code_change(cls, old_version, state):
            """Takes either version's state."""
            saved = hatchery.from_json(state)
            match saved:
                case [int(count), int(infos)]:
                    pass
                case {"count": int(count), "infos": int(infos)}:
                    pass
                case _:
                    raise ValueError(f"not a counter state from v{old_version}: {saved!r}")
            server = cls()
            server.count, server.infos = count, infos
            return server

    return Counter
