"""conf_py_server_v2: version 2 of the conformance protocol's counter server; the harness
loads it as a new version of conf_py_server (world ``upgradable-behaviour``)."""

import hatchery
from counter import counter

WitWorld = hatchery.server_world(counter(2))
