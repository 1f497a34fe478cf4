"""``targon-operator run``: the operator itself (kopf with our handlers).

Flags and ``TARGON_*`` environment variables come from ``settings.OperatorSettings``; the
table in the README is generated from it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import settings as settings_mod
from ..kube.client import in_cluster
from . import logs


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the operator",
        description="Run the operator against the cluster in KUBECONFIG (or in-cluster).",
    )
    settings_mod.add_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if in_cluster() and "kubernetes" not in sys.modules:
        # kopf imports the kubernetes client (14 MB of RSS) only to log in with it; in a Pod,
        # kopf's own service-account login and ours (KubeCredentials.in_cluster) need none.
        sys.modules["kubernetes"] = None  # type: ignore[assignment]
    ours = settings_mod.OperatorSettings.load(args)
    logs.setup(ours.log_level, ours.log_format)
    import kopf

    from .. import handlers  # noqa: F401 - registers the handlers with kopf

    liveness = f"http://0.0.0.0:{ours.liveness_port}/healthz" if ours.liveness_port else None
    kopf.run(
        standalone=ours.standalone,
        priority=ours.priority,
        peering_name=None if ours.standalone else ours.peering_name,
        namespaces=ours.namespaces,
        clusterwide=not ours.namespaces,
        liveness_endpoint=liveness,
        memo=kopf.Memo(settings=ours),
    )
    return 0
