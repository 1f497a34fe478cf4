"""Where the control-plane binaries come from.

In order: ``KUBEBUILDER_ASSETS`` (envtest binaries a user already has, as setup-envtest
users expect), ``TARGON_BIN_DIR``, the ``bin/`` folder that ``make bin`` fills in the
checkout, and finally ``PATH``. The error names every place looked at, because "not found"
alone sends a newcomer searching.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class BinaryNotFound(RuntimeError):
    """A binary the local control plane needs is not installed or built."""


def checkout_bin_dir() -> Path | None:
    """The ``bin/`` folder of the source checkout this package runs from, if any."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file() and (parent / "tools").is_dir():
            return parent / "bin"
    cwd_bin = Path.cwd() / "bin"
    return cwd_bin if cwd_bin.is_dir() else None


def search_dirs() -> list[Path]:
    dirs: list[Path] = []
    for var in ("KUBEBUILDER_ASSETS", "TARGON_BIN_DIR"):
        if os.environ.get(var):
            dirs.append(Path(os.environ[var]))
    checkout = checkout_bin_dir()
    if checkout is not None:
        dirs.append(checkout)
    return dirs


def find_binary(name: str) -> Path:
    """The path of ``name`` (``kube-apiserver``, ``etcd``, ``helm``), or a clear error."""
    dirs = search_dirs()
    for directory in dirs:
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    looked = ", ".join(str(d) for d in dirs) or "(no bin dir)"
    raise BinaryNotFound(
        f"{name} not found in {looked} or on PATH; run `make bin` to build it, "
        "or set KUBEBUILDER_ASSETS to a folder of envtest binaries"
    )
