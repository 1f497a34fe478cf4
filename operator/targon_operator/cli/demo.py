"""``targon-operator demo``: see ``targon_operator.demo``."""

from __future__ import annotations

import argparse
from typing import Any

from . import logs


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole lifecycle locally (control plane + simulator + operator)",
        description="Start a local control plane and the Targon simulator, run the operator, "
        "apply the examples, update one, delete one, and print a summary.",
    )
    parser.add_argument("--keep", action="store_true", help="leave everything running at the end")
    parser.add_argument(
        "--deploy-delay",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="simulated seconds from deploy to RUNNING (default: %(default)s)",
    )
    parser.set_defaults(handler=demo)


def demo(args: argparse.Namespace) -> int:
    from ..demo import Demo

    logs.setup("WARNING")
    return Demo(keep=args.keep, deploy_delay=args.deploy_delay).run()
