"""The operator's own Kubernetes API calls (outside kopf): a thin async client and URLs."""

from . import paths
from .client import (
    KubeClient,
    KubeConflict,
    KubeCredentials,
    KubeError,
    KubeForbidden,
    KubeNotFound,
)

__all__ = [
    "KubeClient",
    "KubeConflict",
    "KubeCredentials",
    "KubeError",
    "KubeForbidden",
    "KubeNotFound",
    "paths",
]
