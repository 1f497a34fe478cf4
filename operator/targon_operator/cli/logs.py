"""Logging for every command: one line per event, text or JSON, never a secret.

kopf configures its own loggers (with the object reference on per-resource lines); we ask
it to, then set the levels of the chatty HTTP libraries so request lines do not drown
what matters.
"""

from __future__ import annotations

import logging


class _QuietTracking(logging.Filter):
    """kopf logs every handler success; for the watch-to-registry handler that is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "kopf.objects" and "'tracked'" in record.getMessage())


def setup(level: str = "INFO", fmt: str = "text") -> None:
    import kopf  # here, not at the top: `run` decides first whether kopf may see kubernetes

    log_format = kopf.LogFormat.JSON if fmt == "json" else kopf.LogFormat.FULL
    kopf.configure(debug=level == "DEBUG", verbose=False, quiet=False, log_format=log_format)
    logging.getLogger().setLevel(level)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_QuietTracking())
    for noisy in ("httpx", "httpcore", "aiohttp.access", "kubernetes"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
