"""The operator's running machinery: carrying out reconciles, the batched sync, status.

Everything here does I/O (Targon, the apiserver) on behalf of the pure decisions in
``reconcile`` and ``translate``; nothing here imports kopf, which stays in ``handlers``.
"""

from .context import Runtime
from .executor import Outcome, Reconciler
from .registry import Registry, Tracked
from .syncing import Syncer

__all__ = ["Outcome", "Reconciler", "Registry", "Runtime", "Syncer", "Tracked"]
