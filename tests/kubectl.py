"""A small wrapper to run kubectl against a test cluster, the way users do."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


class KubectlError(AssertionError):
    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        super().__init__(f"kubectl {' '.join(args)} -> {result.returncode}\n{result.stderr}")
        self.result = result


@dataclass(frozen=True)
class Kubectl:
    kubeconfig: Path
    namespace: str | None = None

    def in_namespace(self, namespace: str) -> Kubectl:
        return replace(self, namespace=namespace)

    def __call__(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        cmd = ["kubectl", f"--kubeconfig={self.kubeconfig}"]
        if self.namespace:
            cmd.append(f"--namespace={self.namespace}")
        cmd.extend(args)
        result = subprocess.run(
            cmd, input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise KubectlError(list(args), result)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json").stdout)

    def apply(
        self, manifest: str, *, server_side: bool = True, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        args = ["apply", "-f", "-"]
        if server_side:
            args.insert(1, "--server-side")
        return self(*args, input=manifest, check=check)

    def eventually(self, *args: str, contains: str, timeout: float = 30) -> str:
        """Repeat a command until its output contains ``contains``; return that output."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            result = self(*args, check=False)
            last = result.stdout + result.stderr
            if result.returncode == 0 and contains in result.stdout:
                return result.stdout
            time.sleep(0.5)
        raise AssertionError(f"kubectl {' '.join(args)} never printed {contains!r}; last:\n{last}")
