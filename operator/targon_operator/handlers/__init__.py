"""The kopf wiring: thin handlers that hand each event to the runtime.

Importing this package registers every handler with kopf's default registry;
``targon-operator run`` does exactly that and starts kopf. One module per use case:
``startup`` (settings, runtime, sync task), ``lifecycle`` (create, update, resume),
``deletion``, ``tracking`` (the watch feeding the registry).
"""

from . import deletion, lifecycle, startup, tracking

__all__ = ["deletion", "lifecycle", "startup", "tracking"]
