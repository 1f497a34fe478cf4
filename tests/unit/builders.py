"""Small builders for specs, statuses and Targon objects used by the unit tests."""

from __future__ import annotations

from typing import Any

from targon_operator import targon
from targon_operator.reconcile import Observation
from targon_operator.resource import WorkloadSpec, WorkloadStatus
from targon_operator.translate import ResolvedInputs


def spec(**overrides: Any) -> WorkloadSpec:
    base: dict[str, Any] = {
        "type": "Serverless",
        "image": "my-model-server:latest",
        "resourceName": "h200-small",
        "ports": [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
        "env": [{"name": "MODEL_NAME", "value": "llama-3"}],
        "serverlessConfig": {"minReplicas": 0, "maxReplicas": 5},
    }
    base.update(overrides)
    return WorkloadSpec.model_validate(base)


def rental_spec(**overrides: Any) -> WorkloadSpec:
    base: dict[str, Any] = {
        "type": "Rental",
        "image": "pytorch/pytorch:latest",
        "resourceName": "h200-small",
        "volumes": [{"uid": "vol-a", "mountPath": "/data"}],
        "sshKeys": ["shk-a"],
    }
    base.update(overrides)
    return WorkloadSpec.model_validate(base)


def status(**fields: Any) -> WorkloadStatus:
    return WorkloadStatus.model_validate(fields)


def workload(*, uid: str = "wrk-1", status: str = "REGISTERED", **fields: Any) -> targon.Workload:
    base: dict[str, Any] = {
        "uid": uid,
        "name": "wl",
        "image": "my-model-server:latest",
        "type": "SERVERLESS",
        "resource_name": "h200-small",
        "ports": [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
        "envs": [{"name": "MODEL_NAME", "value": "llama-3"}],
        "serverless_config": {"min_replicas": 0, "max_replicas": 5},
        "state": {"status": status},
        "cost_per_hour": 2.49,
        "revision": "1",
        "created_at": "2025-01-15T10:30:00Z",
    }
    base.update(fields)
    return targon.Workload.model_validate(base)


def summary(
    *, uid: str = "wrk-1", status: str = "DEPLOYING", **fields: Any
) -> targon.WorkloadSummary:
    base: dict[str, Any] = {"uid": uid, "name": "wl", "state": {"status": status}, "revision": "1"}
    base.update(fields)
    return targon.WorkloadSummary.model_validate(base)


NO_INPUTS = ResolvedInputs()


def observe(
    spec_: WorkloadSpec | None = None, status_: WorkloadStatus | None = None, **kw: Any
) -> Observation:
    return Observation(
        name="wl",
        generation=kw.pop("generation", 1),
        spec=spec_ or spec(),
        status=status_ or status(),
        **kw,
    )
