"""A real local Kubernetes control plane (etcd + kube-apiserver) for tests and the demo.

Not a mock: the binaries are built from Go modules by ``make bin`` (or taken from
``KUBEBUILDER_ASSETS``), as controller-runtime's envtest does. This package knows nothing
of the operator; it only starts, describes and stops clusters, and installs manifests.
"""

from .binaries import BinaryNotFound, find_binary
from .cluster import ClusterStartError, LocalCluster, free_port, kubeconfig_for

__all__ = [
    "BinaryNotFound",
    "ClusterStartError",
    "LocalCluster",
    "find_binary",
    "free_port",
    "kubeconfig_for",
]
