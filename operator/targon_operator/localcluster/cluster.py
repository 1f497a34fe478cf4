"""Start and stop a real etcd + kube-apiserver on loopback, the way envtest does.

Tests and the demo need the real thing (CRD validation, CEL, the status subresource,
resourceVersion conflicts, watches, finalizers, RBAC), and there is no Docker engine for
kind. Each cluster lives in its own temp dir with free ports, a throwaway PKI and an admin
kubeconfig. Children get ``PR_SET_PDEATHSIG`` = SIGKILL so that they die with the process
that started them even when it is SIGKILLed: a failed or interrupted test run leaves
nothing behind. (SIGTERM is not enough: etcd's graceful stop waits for the apiserver's
watches, and the apiserver's for etcd, so both linger.) There is no controller-manager:
deleted namespaces stay Terminating and nothing is garbage-collected; nothing here needs
either.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import yaml

from . import pki as pki_mod
from .binaries import find_binary

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


class ClusterStartError(RuntimeError):
    """etcd or kube-apiserver did not become ready; the message carries its log tail."""


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when the parent dies (Linux only)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class LocalCluster:
    """A local control plane. Use as a context manager, or call ``start``/``stop``."""

    def __init__(
        self,
        *,
        workdir: Path | None = None,
        extra_apiserver_args: tuple[str, ...] = (),
        start_timeout: float = 90.0,
        die_with_parent: bool = True,
    ) -> None:
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="targon-localcluster-"))
        self.extra_apiserver_args = extra_apiserver_args
        self.start_timeout = start_timeout
        self.die_with_parent = die_with_parent
        self.etcd_port = 0
        self.apiserver_port = 0
        self._procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []
        self.pki: pki_mod.Pki | None = None

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.apiserver_port}"

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- Lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self.pki = pki_mod.generate(self.workdir / "pki")
            self._start_etcd()
            self._start_apiserver()
            self._write_kubeconfig()
        except BaseException:
            self.stop()
            raise
        logger.info("local cluster ready at %s (kubeconfig %s)", self.server, self.kubeconfig)

    def stop(self) -> None:
        """Stop the apiserver, then etcd; remove the temp dir. Safe to call twice."""
        for _name, proc, log in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            log.close()
        self._procs.clear()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def alive(self) -> bool:
        return bool(self._procs) and all(p.poll() is None for _, p, _ in self._procs)

    # --- The two processes -------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log_path = self.workdir / f"{name}.log"
        log = log_path.open("wb")
        proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.workdir,
            # Own session: a terminal's Ctrl-C reaches us, and we stop the children in order.
            start_new_session=True,
            preexec_fn=_die_with_parent if self.die_with_parent else None,
        )
        self._procs.append((name, proc, log))
        return proc

    def _wait(
        self,
        name: str,
        proc: subprocess.Popen[bytes],
        probe: urllib.request.Request,
        context: ssl.SSLContext | None,
    ) -> None:
        deadline = time.monotonic() + self.start_timeout
        last_error = ""
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ClusterStartError(
                    f"{name} exited with {proc.returncode}:\n{_tail(self.workdir / f'{name}.log')}"
                )
            try:
                with urllib.request.urlopen(probe, timeout=5, context=context) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            time.sleep(0.2)
        raise ClusterStartError(
            f"{name} not ready after {self.start_timeout}s ({last_error}):\n"
            f"{_tail(self.workdir / f'{name}.log')}"
        )

    def _start_etcd(self) -> None:
        self.etcd_port, peer_port = free_port(), free_port()
        client_url = f"http://127.0.0.1:{self.etcd_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        args = [
            str(find_binary("etcd")),
            f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            # Throwaway data: no fsync makes writes an order of magnitude cheaper.
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]
        proc = self._spawn("etcd", args)
        probe = urllib.request.Request(f"{client_url}/health")  # noqa: S310 - our own URL
        self._wait("etcd", proc, probe, None)

    def _start_apiserver(self) -> None:
        assert self.pki is not None
        self.apiserver_port = free_port()
        p = self.pki
        args = [
            str(find_binary("kube-apiserver")),
            f"--etcd-servers=http://127.0.0.1:{self.etcd_port}",
            f"--cert-dir={self.workdir / 'certs'}",
            f"--tls-cert-file={p.serving_cert}",
            f"--tls-private-key-file={p.serving_key}",
            f"--client-ca-file={p.ca_cert}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.apiserver_port}",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--allow-privileged=true",
            "--authorization-mode=RBAC",
            f"--service-account-issuer={self.server}",
            f"--service-account-key-file={p.sa_public_key}",
            f"--service-account-signing-key-file={p.sa_private_key}",
            # No controller-manager runs to create token Secrets for Pods (there are none).
            "--disable-admission-plugins=ServiceAccount",
            "--v=0",
            *self.extra_apiserver_args,
        ]
        proc = self._spawn("kube-apiserver", args)
        context = ssl.create_default_context(cafile=str(p.ca_cert))
        context.load_cert_chain(str(p.admin_cert), str(p.admin_key))
        probe = urllib.request.Request(f"{self.server}/readyz")  # noqa: S310 - our own URL
        self._wait("kube-apiserver", proc, probe, context)

    def _write_kubeconfig(self) -> None:
        assert self.pki is not None
        config = kubeconfig_for(
            server=self.server,
            ca_cert=self.pki.ca_cert.read_text(),
            client_cert=self.pki.admin_cert.read_text(),
            client_key=self.pki.admin_key.read_text(),
        )
        self.kubeconfig.write_text(yaml.safe_dump(config, sort_keys=False))
        self.kubeconfig.chmod(0o600)


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def kubeconfig_for(
    *,
    server: str,
    ca_cert: str,
    client_cert: str | None = None,
    client_key: str | None = None,
    token: str | None = None,
    name: str = "targon-local",
    namespace: str | None = None,
) -> dict[str, object]:
    """A one-context kubeconfig with the credentials embedded."""
    user: dict[str, str] = {}
    if client_cert and client_key:
        user = {"client-certificate-data": _b64(client_cert), "client-key-data": _b64(client_key)}
    if token:
        user["token"] = token
    context: dict[str, str] = {"cluster": name, "user": name}
    if namespace:
        context["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": name,
                "cluster": {"server": server, "certificate-authority-data": _b64(ca_cert)},
            }
        ],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": context}],
        "current-context": name,
    }


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
