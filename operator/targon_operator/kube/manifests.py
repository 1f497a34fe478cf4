"""Apply YAML manifests with server-side apply, and install the CRD from ``crds/``.

Used by the demo, ``targon-operator cluster up`` and the tests; the operator itself never
installs its CRD (that is the chart's job, or the user's).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .client import KubeClient

FIELD_MANAGER = "targon-operator-cli"


def project_dir(name: str) -> Path:
    """A top-level folder of the source checkout (``crds``, ``examples``), or a clear error."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / name
        if candidate.is_dir() and (parent / "pyproject.toml").is_file():
            return candidate
    cwd = Path.cwd() / name
    if cwd.is_dir():
        return cwd
    raise FileNotFoundError(f"no {name}/ folder found: run from a checkout of targon-operator")


def load(paths_: Iterable[Path]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in paths_:
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


async def apply_all(
    client: KubeClient, docs: Iterable[dict[str, Any]], *, namespace: str | None = None
) -> None:
    for doc in docs:
        if namespace and doc["kind"] == paths.KIND:
            doc = {**doc, "metadata": {**doc["metadata"], "namespace": namespace}}
        await client.apply(
            paths.of(doc, default_namespace=namespace), doc, field_manager=FIELD_MANAGER
        )


async def install_crds(client: KubeClient, crds_dir: Path | None = None) -> None:
    """Apply every CRD in ``crds/`` and wait until each is Established."""
    directory = crds_dir or project_dir("crds")
    docs = load(sorted(directory.glob("*.yaml")))
    await apply_all(client, docs)
    for doc in docs:
        await client.wait_for(
            paths.obj("CustomResourceDefinition", doc["metadata"]["name"]),
            _established,
            within=60,
        )


def _established(crd: Any) -> bool:
    conditions = (crd.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)
