"""URLs of the Kubernetes objects the project touches, and a tiny kind -> URL mapper.

A full RESTMapper (discovery) is more than the demo and tests need: they apply a fixed set
of kinds, listed here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GROUP = "targon.com"
VERSION = "v1alpha1"
PLURAL = "targonworkloads"
KIND = "TargonWorkload"
CRD_NAME = f"{PLURAL}.{GROUP}"

# kind -> (API prefix, plural, namespaced)
_KINDS: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Secret": ("/api/v1", "secrets", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "Event": ("/api/v1", "events", True),
    "CustomResourceDefinition": (
        "/apis/apiextensions.k8s.io/v1",
        "customresourcedefinitions",
        False,
    ),
    "ClusterRole": ("/apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
    "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    KIND: (f"/apis/{GROUP}/{VERSION}", PLURAL, True),
}


def collection(kind: str, namespace: str | None = None) -> str:
    prefix, plural, namespaced = _KINDS[kind]
    if namespaced and namespace:
        return f"{prefix}/namespaces/{namespace}/{plural}"
    return f"{prefix}/{plural}"


def obj(kind: str, name: str, namespace: str | None = None, subresource: str | None = None) -> str:
    path = f"{collection(kind, namespace)}/{name}"
    return f"{path}/{subresource}" if subresource else path


def of(manifest: Mapping[str, Any], *, default_namespace: str | None = None) -> str:
    """The URL of a manifest's object, from its kind, name and namespace."""
    meta = manifest.get("metadata", {})
    namespace = meta.get("namespace") or default_namespace
    return obj(str(manifest["kind"]), str(meta["name"]), namespace)


def workload(namespace: str, name: str, subresource: str | None = None) -> str:
    return obj(KIND, name, namespace, subresource)


def crd() -> str:
    return obj("CustomResourceDefinition", CRD_NAME)
