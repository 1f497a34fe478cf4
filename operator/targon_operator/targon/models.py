"""Pydantic models of every object in the Targon Workloads API reference.

Field names are the API's own (snake_case), so a model dumps to the exact wire body.
Responses are parsed leniently: unknown fields are kept (``extra="allow"``), and status or
type strings are plain ``str`` so that a value the reference does not list passes through
instead of failing the parse. Requests are built strictly and dumped without ``None``s, so
that a PATCH carries only the fields a caller set.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer
from pydantic_core.core_schema import SerializationInfo

RENTAL = "RENTAL"
SERVERLESS = "SERVERLESS"

REVEAL_SECRETS = "reveal_secrets"
"""Serialization context key: only the client's wire encoding sets it."""


class ApiModel(BaseModel):
    """A response object: unknown fields are kept, never an error."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RequestModel(BaseModel):
    """A request object: typos in field names are a programming error."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_body(self) -> dict[str, Any]:
        """The JSON body for the wire: secrets revealed, unset fields left out."""
        return self.model_dump(mode="json", exclude_none=True, context={REVEAL_SECRETS: True})


def _reveal(value: SecretStr | None, info: SerializationInfo) -> str | None:
    if value is None:
        return None
    if isinstance(info.context, dict) and info.context.get(REVEAL_SECRETS):
        return value.get_secret_value()
    return "**********"


# --- Building blocks shared by requests and responses ------------------------------------


class Port(ApiModel):
    port: int
    protocol: str | None = None
    routing: str | None = None


class Env(ApiModel):
    name: str
    # Values may come from Kubernetes Secrets: keep them out of reprs and tracebacks.
    value: str | None = Field(default=None, repr=False)


class RegistryAuth(ApiModel):
    server: str | None = None
    username: str | None = None
    password: SecretStr | None = None

    @field_serializer("password")
    def _password(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        return _reveal(value, info)


class VolumeMount(ApiModel):
    uid: str
    mount_path: str
    read_only: bool | None = None
    name: str | None = None


class SSHKey(ApiModel):
    """An SSH key as the API returns it inside a workload."""

    uid: str
    name: str | None = None
    public_key_raw: str | None = None


class ProbeConfig(ApiModel):
    path: str | None = None
    port: int | None = None
    initial_delay_seconds: int | None = None
    period_seconds: int | None = None
    timeout_seconds: int | None = None
    failure_threshold: int | None = None
    success_threshold: int | None = None


class ServerlessConfig(ApiModel):
    min_replicas: int | None = None
    max_replicas: int | None = None
    initial_replicas: int | None = None
    container_concurrency: int | None = None
    target_concurrency: int | None = None
    scale_up_delay: str | None = None
    scale_down_delay: str | None = None
    zero_grace_period: str | None = None
    scaling_metric: str | None = None
    target_value: float | None = None
    timeout_seconds: int | None = None
    startup_timeout: int | None = None
    liveness_probe: ProbeConfig | None = None
    readiness_probe: ProbeConfig | None = None
    startup_probe: ProbeConfig | None = None
    custom_annotations: dict[str, str] | None = None


# --- Responses -----------------------------------------------------------------------------


class StateURL(ApiModel):
    port: int | None = None
    url: str


class WorkloadState(ApiModel):
    status: str = ""
    message: str = ""
    ready_replicas: int = 0
    total_replicas: int = 0
    urls: list[StateURL] = Field(default_factory=list)


class ComputeResource(ApiModel):
    name: str = ""
    display_name: str | None = None
    gpu_type: str | None = None
    gpu_count: int | None = None
    vcpu: int | None = None
    memory: int | None = None


class WorkloadSummary(ApiModel):
    """An item of ``GET /workloads``; also the shape of the deploy response."""

    uid: str
    name: str = ""
    image: str = ""
    state: WorkloadState = Field(default_factory=WorkloadState)
    resource: ComputeResource | None = None
    cost_per_hour: float | None = None
    revision: str = ""
    volumes: list[VolumeMount] = Field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None


class Workload(WorkloadSummary):
    """The full workload object (create, get and update responses)."""

    type: str = ""
    resource_name: str = ""
    project_id: str | None = None
    app_id: str | None = None
    ports: list[Port] = Field(default_factory=list)
    envs: list[Env] = Field(default_factory=list)
    commands: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    ssh_keys: list[SSHKey] = Field(default_factory=list)
    serverless_config: ServerlessConfig | None = None


class WorkloadStateInfo(ApiModel):
    """The response of ``GET /workloads/{uid}/state``."""

    uid: str
    workload_type: str | None = None
    status: str = ""
    message: str = ""
    ready_replicas: int = 0
    total_replicas: int = 0
    urls: list[StateURL] = Field(default_factory=list)
    updated_at: str | None = None


class WorkloadEvent(ApiModel):
    workload_uid: str | None = None
    workload_type: str | None = None
    event_type: str | None = None
    new_status: str | None = None
    message: str | None = None
    display_message: str | None = None
    reason: str | None = None
    pod_name: str | None = None
    container_name: str | None = None
    container_image: str | None = None
    exit_code: int | None = None
    replica_count: int | None = None
    resource_name: str | None = None
    created_at: str | None = None


ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(ApiModel, Generic[ItemT]):
    items: list[ItemT] = Field(default_factory=list)
    next_cursor: str | None = None


class VerifyResult(ApiModel):
    verified: bool


class VolumeAttachment(ApiModel):
    workload_uid: str
    uid: str
    mount_path: str
    read_only: bool = False


class SSHKeyAttachment(ApiModel):
    workload_uid: str
    ssh_key_uid: str


# --- Requests ------------------------------------------------------------------------------


class CreateWorkloadRequest(RequestModel):
    name: str
    image: str
    resource_name: str
    type: str
    project_id: str | None = None
    app_id: str | None = None
    ports: list[Port] | None = None
    envs: list[Env] | None = None
    commands: list[str] | None = None
    args: list[str] | None = None
    registry_auth: RegistryAuth | None = None
    volumes: list[VolumeMount] | None = None
    ssh_keys: list[str] | None = None
    serverless_config: ServerlessConfig | None = None


class UpdateWorkloadRequest(RequestModel):
    """A PATCH body: every field optional, only the set ones are sent."""

    name: str | None = None
    image: str | None = None
    project_id: str | None = None
    app_id: str | None = None
    ports: list[Port] | None = None
    envs: list[Env] | None = None
    commands: list[str] | None = None
    args: list[str] | None = None
    volumes: list[VolumeMount] | None = None
    ssh_keys: list[str] | None = None
    registry_auth: RegistryAuth | None = None
    serverless_config: ServerlessConfig | None = None

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)


class VerifyRequest(RequestModel):
    uid: str
    digest: str


class VolumeAttachRequest(RequestModel):
    mount_path: str
    read_only: bool | None = None
