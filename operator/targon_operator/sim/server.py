"""Running the simulator: in-process for async tests, in a thread for sync ones, or forever.

``Simulator`` binds a real TCP port (port 0 picks a free one), so clients under test
talk HTTP exactly as they would to Targon. ``SimulatorThread`` gives synchronous callers
the same server on its own event loop. ``run`` is what the CLI calls: it serves until
SIGINT or SIGTERM. Stopping is prompt: hung requests and log followers end at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from types import TracebackType
from typing import Self

from aiohttp import web

from .app import build_app
from .config import SimConfig
from .faults import Faults
from .journal import Journal
from .runtime import Runtime
from .store import Store

logger = logging.getLogger(__name__)

_SHUTDOWN_TIMEOUT = 2.0


class Simulator:
    """One simulator server. ``await start()``, use ``url``, ``await stop()``."""

    def __init__(
        self,
        config: SimConfig,
        *,
        clock: Callable[[], float] = time.time,
        access_log: bool = False,
    ) -> None:
        self.config = config
        self.runtime = Runtime.create(config, clock=clock)
        self.app = build_app(self.runtime)
        self._access_log = access_log
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def journal(self) -> Journal:
        return self.runtime.journal

    @property
    def faults(self) -> Faults:
        return self.runtime.faults

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server (without ``/tha/v2``)."""
        if self._url is None:
            raise RuntimeError("the simulator is not running")
        return self._url

    @property
    def api_url(self) -> str:
        """The base URL of the Targon API: ``url`` + ``/tha/v2``."""
        return self.url + "/tha/v2"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind ``host:port`` (0: any free port), start serving, return the URL."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        # A fresh event and application per start: both bind to the running loop, and a
        # stopped simulator may be started again (on another loop, even).
        self.runtime.closing = asyncio.Event()
        self.app = build_app(self.runtime)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family)
        if self._access_log:
            runner = web.AppRunner(self.app, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        else:
            runner = web.AppRunner(self.app, shutdown_timeout=_SHUTDOWN_TIMEOUT, access_log=None)
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        bound = sock.getsockname()[1]
        self._url = (
            f"http://[{host}]:{bound}" if family == socket.AF_INET6 else f"http://{host}:{bound}"
        )
        logger.info("Targon API simulator listening on %s", self._url)
        return self._url

    async def stop(self) -> None:
        """Stop serving; open streams and hung requests are ended. Idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._url = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class SimulatorThread:
    """A simulator on its own event loop in a daemon thread: ``with SimulatorThread(c) as s``.

    Talk to it over HTTP (``url``); its store is owned by the thread's loop, so only read
    ``simulator`` from the calling thread for things that do not change (e.g. ``config``).
    """

    def __init__(self, config: SimConfig, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.simulator = Simulator(config)
        self._address = (host, port)
        self._ready = threading.Event()
        self._error: OSError | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.simulator.url

    @property
    def api_url(self) -> str:
        return self.simulator.api_url

    def start(self, timeout: float = 10.0) -> str:
        self._thread = threading.Thread(target=self._main, name="targon-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the simulator thread did not start in time")
        if self._error is not None:
            raise self._error
        if not self._thread.is_alive():
            raise RuntimeError("the simulator thread failed to start (see its traceback)")
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stopping is not None:
            with suppress(RuntimeError):  # the loop already closed
                self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            await self.simulator.start(*self._address)
        except OSError as exc:  # the address is taken or invalid: the caller's problem
            self._error = exc
            return
        finally:
            self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await self.simulator.stop()

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


async def serve(
    config: SimConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8090,
    on_ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or until ``stop`` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    simulator = Simulator(config, access_log=True)
    url = await simulator.start(host, port)
    try:
        (on_ready or _announce)(url)
        await stop.wait()
    finally:
        await simulator.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)


def _announce(url: str) -> None:
    # One line on stdout that scripts (the demo, CI) can wait for.
    print(f"Targon API simulator listening on {url}", flush=True)


def run(
    host: str = "127.0.0.1",
    port: int = 8090,
    api_keys: Sequence[str] = ("sim-key",),
    deploy_delay: float = 2.0,
    *,
    config: SimConfig | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve forever (until SIGINT/SIGTERM): the CLI's ``targon-operator sim``.

    ``config``, when given, is used as is and ``api_keys``/``deploy_delay`` are ignored.
    """
    if config is None:
        config = SimConfig(api_keys=tuple(api_keys), deploy_delay=deploy_delay)
    asyncio.run(serve(config, host=host, port=port, on_ready=on_ready))
