"""The Targon API simulator: a real HTTP server implementing the Workloads API reference.

It validates, answers and fails like the reference says (and strictly where it is
silent), with a lazy state machine, cursor pagination, events, synthetic logs, fault
injection and a request journal. The operator's tests, benchmarks and demo run against
it. It never imports the client package (``targon_operator.targon``): a shared bug
would hide itself. See docs/simulator.md.
"""

from .catalog import CATALOG, ComputeResource
from .config import SimConfig
from .errors import ApiError
from .faults import FaultRule
from .journal import JournalEntry
from .server import Simulator, SimulatorThread, run, serve
from .store import ListQuery, Store
from .views import image_digest

__all__ = [
    "CATALOG",
    "ApiError",
    "ComputeResource",
    "FaultRule",
    "JournalEntry",
    "ListQuery",
    "SimConfig",
    "Simulator",
    "SimulatorThread",
    "Store",
    "image_digest",
    "run",
    "serve",
]
