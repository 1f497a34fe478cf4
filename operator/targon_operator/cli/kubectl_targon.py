"""``kubectl-targon``: the kubectl plugin (``kubectl targon logs|events|describe NAME``).

kubectl runs any ``kubectl-*`` executable on PATH as a subcommand, and this one ships with
the package. This module is only the command line: kubectl's global flags (accepted before
or after the subcommand), one subparser per command, and one place that turns failures
into a one-line ``error:`` and exit 1 (Ctrl-C is 130, quietly). The work is in ``plugin/``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from .. import __version__
from ..kube import KubeError
from ..plugin.describe import describe
from ..plugin.events import events
from ..plugin.logs import logs, parse_since
from ..plugin.target import ClusterOptions, PluginError
from ..targon import TargonError

CREDENTIALS = """\
credentials (the ones the operator would use for the resource):
  1. the Secret in the resource's spec.credentialsSecretRef (same namespace)
  2. TARGON_API_KEY
  3. the Secret named by TARGON_API_KEY_SECRET (namespace/name[/key], key apiKey)
  The Targon API is TARGON_API_URL (default https://api.targon.com).
"""


def _cluster_flags(parser: argparse.ArgumentParser, *, default: object) -> None:
    """kubectl's global flags. Subcommands use SUPPRESS so they never reset a given one."""
    group = parser.add_argument_group("kubectl options")
    group.add_argument(
        "-n",
        "--namespace",
        default=default,
        help="the resource's namespace (default: the kubeconfig context's, else default)",
    )
    group.add_argument("--context", default=default, help="the kubeconfig context to use")
    group.add_argument(
        "--kubeconfig", default=default, help="path to the kubeconfig (default: $KUBECONFIG)"
    )


def _since(value: str) -> str:
    try:
        return parse_since(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _tail(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of lines (0 or more), got {value!r}")
    return int(value)


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=80)


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="kubectl targon",
        description="Targon's view of TargonWorkload resources: logs, events, drift.",
        epilog=CREDENTIALS,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _cluster_flags(parser, default=None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    cmd = commands.add_parser(
        "logs",
        help="print the workload's logs from Targon",
        description=_wrap(
            "Print the Targon logs of the resource's workload (status.workloadUid), "
            "line by line, flushing each one."
        ),
        epilog="examples:\n  kubectl targon logs my-api --tail 100\n"
        "  kubectl targon logs my-api -f --since 10m\n\n" + CREDENTIALS,
        formatter_class=formatter,
    )
    cmd.add_argument("name", metavar="NAME", help="the TargonWorkload's name")
    cmd.add_argument(
        "-f", "--follow", action="store_true", help="keep streaming new lines (Ctrl-C stops)"
    )
    cmd.add_argument(
        "--tail", type=_tail, metavar="N", help="only the last N lines (default: all Targon has)"
    )
    cmd.add_argument(
        "--since",
        type=_since,
        metavar="TIME",
        help="only lines after TIME: RFC 3339 (2025-01-15T10:30:00Z) or a duration (10m, 2h)",
    )
    _cluster_flags(cmd, default=argparse.SUPPRESS)
    cmd.set_defaults(run=_logs)

    cmd = commands.add_parser(
        "events",
        help="list the workload's events from Targon",
        description=_wrap(
            "List Targon's events of the resource's workload, oldest first: "
            "TIME, TYPE, STATUS, REASON, MESSAGE."
        ),
        epilog="example:\n  kubectl targon events my-api -n ml\n\n" + CREDENTIALS,
        formatter_class=formatter,
    )
    cmd.add_argument("name", metavar="NAME", help="the TargonWorkload's name")
    _cluster_flags(cmd, default=argparse.SUPPRESS)
    cmd.set_defaults(run=_events)

    cmd = commands.add_parser(
        "describe",
        help="compare the spec with Targon's configuration, show status and conditions",
        description=_wrap(
            "Show the spec and Targon's configuration side by side, one row per "
            "Targon field, marking with * the fields that drifted (the ones the operator would "
            "PATCH back); then phase, readiness, URL, cost and conditions. Values from Secrets "
            "are never printed."
        ),
        epilog="example:\n  kubectl targon describe my-api\n\n" + CREDENTIALS,
        formatter_class=formatter,
    )
    cmd.add_argument("name", metavar="NAME", help="the TargonWorkload's name")
    cmd.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="color drifted rows: auto (on a terminal, unless NO_COLOR is set), always, never",
    )
    _cluster_flags(cmd, default=argparse.SUPPRESS)
    cmd.set_defaults(run=_describe)
    return parser


Command = Callable[[argparse.Namespace, ClusterOptions], Coroutine[Any, Any, int]]


def _logs(args: argparse.Namespace, options: ClusterOptions) -> Coroutine[Any, Any, int]:
    return logs(
        options, args.name, follow=args.follow, tail=args.tail, since=args.since, out=sys.stdout
    )


def _events(args: argparse.Namespace, options: ClusterOptions) -> Coroutine[Any, Any, int]:
    return events(options, args.name, out=sys.stdout)


def _describe(args: argparse.Namespace, options: ClusterOptions) -> Coroutine[Any, Any, int]:
    return describe(options, args.name, color=args.color, out=sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = ClusterOptions(
        kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace
    )
    command: Command = args.run
    try:
        return asyncio.run(command(args, options))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as a process killed by SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except PluginError as exc:
        return _fail(str(exc))
    except TargonError as exc:
        return _fail(f"Targon: {exc}")
    except KubeError as exc:
        return _fail(f"Kubernetes: {exc}")


def _fail(message: str) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
