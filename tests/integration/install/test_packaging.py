"""The container's install path without Docker: wheel -> fresh venv -> entrypoint; hadolint."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    run(hadolint, ROOT / "Dockerfile")


def test_the_wheel_installs_into_a_fresh_venv_and_its_entrypoints_run(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv",
            "bin",
            ".git",
            "*.egg-info",
            "__pycache__",
            ".mypy_cache",
            ".ruff_cache",
            "build",
            "dist",
        ),
    )
    run(sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", cwd=src)
    (wheel,) = (tmp_path / "dist").glob("targon_operator-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "targon_operator/py.typed" in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin" / "pip", "install", "--quiet", "--constraint", ROOT / "constraints.txt", wheel)
    # The image's ENTRYPOINT is ["targon-operator", "run"].
    assert "Run the operator" in run(venv / "bin" / "targon-operator", "run", "--help").stdout
    assert "sim" in run(venv / "bin" / "targon-operator", "--help").stdout
    assert "logs" in run(venv / "bin" / "kubectl-targon", "--help").stdout
