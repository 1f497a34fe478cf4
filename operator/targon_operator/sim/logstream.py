"""Log reads: the ``since``/``tail`` selection and the ``follow=true`` stream.

Logs are synthetic and partly produced lazily (heartbeats appear when someone looks), so
a follower polls the store every few tens of milliseconds and writes whatever is new as a
chunk. It stops when the client goes away, the workload is deleted (after writing the
last lines) or the server stops; it never holds the event loop between polls.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from .records import LogLine, Workload
from .runtime import Runtime

POLL_SECONDS = 0.05


def select_lines(w: Workload, *, since: float | None, tail: int | None) -> list[LogLine]:
    """Lines written strictly after ``since``, then the last ``tail`` of them."""
    lines = list(w.logs)
    if since is not None:
        lines = [line for line in lines if line.time > since]
    if tail is not None:
        lines = lines[len(lines) - tail :] if tail else []
    return lines


def client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def follow_logs(
    request: web.Request, rt: Runtime, w: Workload, lines: list[LogLine]
) -> web.StreamResponse:
    index = w.logs.total  # taken before any await, so no line falls between the two reads
    response = web.StreamResponse(headers={"Cache-Control": "no-cache"})
    response.content_type = "text/plain"
    response.charset = "utf-8"
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        await _write(response, lines)
        while not client_gone(request):
            if await pause(rt):
                break
            new_lines, index = rt.store.follow(w, index)
            await _write(response, new_lines)
            if w.deleted:
                break
        await response.write_eof()
    except ConnectionError:
        pass  # the client hung up: nothing to tell it
    return response


async def pause(rt: Runtime) -> bool:
    """Wait one poll interval; ``True`` if the server is stopping."""
    try:
        async with asyncio.timeout(POLL_SECONDS):
            await rt.closing.wait()
    except TimeoutError:
        return False
    return True


async def _write(response: web.StreamResponse, lines: list[LogLine]) -> None:
    if lines:
        await response.write("".join(line.text + "\n" for line in lines).encode())
