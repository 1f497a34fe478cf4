"""The examples of the Targon Workloads API reference, verbatim, for every test suite.

The simulator's tests send them, the client's and the translation's tests expect them,
and the operator's tests apply the same workload as a TargonWorkload: one copy here.
"""

from __future__ import annotations

from typing import Any

# Verbatim from the reference: "Example: Create a Rental Workload".
RENTAL_EXAMPLE: dict[str, Any] = {
    "name": "my-training-job",
    "image": "pytorch/pytorch:latest",
    "resource_name": "h200-small",
    "type": "RENTAL",
    "project_id": "prj-abc123def456",
    "ports": [
        {"port": 8080, "protocol": "TCP", "routing": "PROXIED"},
        {"port": 2222, "protocol": "TCP", "routing": "DIRECT"},
    ],
    "envs": [{"name": "MODEL_NAME", "value": "llama-3"}],
    "volumes": [{"uid": "vol-xyz789abc123", "mount_path": "/data"}],
    "ssh_keys": ["shk-def456ghi789"],
}

# The rental example above, as the spec of a TargonWorkload (translates to exactly it).
RENTAL_EXAMPLE_SPEC: dict[str, Any] = {
    "type": "Rental",
    "image": "pytorch/pytorch:latest",
    "resourceName": "h200-small",
    "projectId": "prj-abc123def456",
    "ports": [
        {"port": 8080, "protocol": "TCP", "routing": "PROXIED"},
        {"port": 2222, "protocol": "TCP", "routing": "DIRECT"},
    ],
    "env": [{"name": "MODEL_NAME", "value": "llama-3"}],
    "volumes": [{"uid": "vol-xyz789abc123", "mountPath": "/data"}],
    "sshKeys": ["shk-def456ghi789"],
}

# Verbatim from the reference: "Example: Create a Serverless Workload".
SERVERLESS_EXAMPLE: dict[str, Any] = {
    "name": "my-inference-api",
    "image": "my-model-server:latest",
    "resource_name": "h200-small",
    "type": "SERVERLESS",
    "project_id": "prj-abc123def456",
    "ports": [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
    "envs": [{"name": "MODEL_NAME", "value": "llama-3"}],
    "serverless_config": {
        "min_replicas": 0,
        "max_replicas": 5,
        "initial_replicas": 1,
        "target_concurrency": 10,
        "scale_down_delay": "300s",
        "zero_grace_period": "600s",
        "timeout_seconds": 60,
        "readiness_probe": {
            "path": "/healthz",
            "port": 8080,
            "initial_delay_seconds": 10,
            "period_seconds": 5,
        },
    },
}

# The serverless example above, as the spec of a TargonWorkload (translates to exactly it).
SERVERLESS_EXAMPLE_SPEC: dict[str, Any] = {
    "type": "Serverless",
    "image": "my-model-server:latest",
    "resourceName": "h200-small",
    "projectId": "prj-abc123def456",
    "ports": [{"port": 8080, "protocol": "TCP", "routing": "PROXIED"}],
    "env": [{"name": "MODEL_NAME", "value": "llama-3"}],
    "serverlessConfig": {
        "minReplicas": 0,
        "maxReplicas": 5,
        "initialReplicas": 1,
        "targetConcurrency": 10,
        "scaleDownDelay": "300s",
        "zeroGracePeriod": "600s",
        "timeoutSeconds": 60,
        "readinessProbe": {
            "path": "/healthz",
            "port": 8080,
            "initialDelaySeconds": 10,
            "periodSeconds": 5,
        },
    },
}
