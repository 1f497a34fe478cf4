"""``targon-operator sim``: the Targon API simulator on a local port."""

from __future__ import annotations

import argparse
from typing import Any

from . import logs


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="serve the Targon API simulator",
        description="Serve every endpoint of the Targon Workloads API, plus /_sim admin "
        "endpoints (journal, faults, forced states). See docs/simulator.md.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8090, help="port to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="a valid Bearer token; repeat for several (default: sim-key)",
    )
    parser.add_argument(
        "--deploy-delay",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="seconds from deploy to RUNNING (default: %(default)s)",
    )
    parser.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    from ..sim import run

    logs.setup()
    run(
        host=args.host,
        port=args.port,
        api_keys=args.api_keys or ["sim-key"],
        deploy_delay=args.deploy_delay,
    )
    return 0
