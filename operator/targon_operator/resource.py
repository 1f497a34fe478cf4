"""Pydantic models of the TargonWorkload resource: its spec, its status, its conditions.

The CRD (``crds/``) is what validates user input; these models only give the operator
typed access to what the apiserver already accepted, so they are lenient (unknown fields
ignored) and use the resource's camelCase names as aliases. Status is written back with
``by_alias=True`` so the two spellings never meet in a patch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import AliasGenerator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

FINALIZER = "targon.com/finalizer"


class ResourceModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=AliasGenerator(alias=to_camel),
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --- Spec ----------------------------------------------------------------------------------


class PortSpec(ResourceModel):
    port: int
    protocol: str | None = None
    routing: str | None = None


class KeyRef(ResourceModel):
    name: str
    key: str


class EnvSource(ResourceModel):
    secret_key_ref: KeyRef | None = None
    config_map_key_ref: KeyRef | None = None


class EnvVar(ResourceModel):
    name: str
    value: str | None = Field(default=None, repr=False)
    value_from: EnvSource | None = None


class SecretRef(ResourceModel):
    name: str


class RegistryAuthSpec(ResourceModel):
    secret_ref: SecretRef
    server: str | None = None


class VolumeSpec(ResourceModel):
    uid: str
    mount_path: str
    read_only: bool | None = None


class ProbeSpec(ResourceModel):
    path: str | None = None
    port: int | None = None
    initial_delay_seconds: int | None = None
    period_seconds: int | None = None
    timeout_seconds: int | None = None
    failure_threshold: int | None = None
    success_threshold: int | None = None


class ServerlessConfigSpec(ResourceModel):
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
    liveness_probe: ProbeSpec | None = None
    readiness_probe: ProbeSpec | None = None
    startup_probe: ProbeSpec | None = None
    custom_annotations: dict[str, str] | None = None


class CredentialsRef(ResourceModel):
    name: str
    key: str = "apiKey"


class WorkloadSpec(ResourceModel):
    type: Literal["Rental", "Serverless"]
    image: str
    resource_name: str
    name: str | None = None
    project_id: str | None = None
    app_id: str | None = None
    ports: list[PortSpec] = Field(default_factory=list)
    env: list[EnvVar] = Field(default_factory=list)
    command: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    registry_auth: RegistryAuthSpec | None = None
    volumes: list[VolumeSpec] = Field(default_factory=list)
    ssh_keys: list[str] = Field(default_factory=list)
    serverless_config: ServerlessConfigSpec | None = None
    suspend: bool = False
    deletion_policy: Literal["Delete", "Orphan"] = "Delete"
    workload_uid: str | None = None
    credentials_secret_ref: CredentialsRef | None = None
    image_digest: str | None = None
    max_cost_per_hour: str | None = None

    def remote_name(self, metadata_name: str) -> str:
        return self.name or metadata_name

    def cost_limit(self) -> Decimal | None:
        if self.max_cost_per_hour is None:
            return None
        try:
            return Decimal(self.max_cost_per_hour)
        except InvalidOperation:
            return None

    @property
    def is_rental(self) -> bool:
        return self.type == "Rental"


# --- Status --------------------------------------------------------------------------------


class Condition(ResourceModel):
    """A metav1.Condition."""

    type: str
    status: Literal["True", "False", "Unknown"]
    reason: str
    message: str = ""
    last_transition_time: str
    observed_generation: int | None = None


class CreatePending(ResourceModel):
    name: str
    since: str


class StatusURL(ResourceModel):
    port: int | None = None
    url: str


class StatusResource(ResourceModel):
    name: str | None = None
    display_name: str | None = None
    gpu_type: str | None = None
    gpu_count: int | None = None
    vcpu: int | None = None
    memory: int | None = None


class WorkloadStatus(ResourceModel):
    workload_uid: str | None = None
    create_pending: CreatePending | None = None
    phase: str | None = None
    message: str | None = None
    ready_replicas: int | None = None
    total_replicas: int | None = None
    ready: str | None = None
    urls: list[StatusURL] | None = None
    url: str | None = None
    cost_per_hour: float | None = None
    revision: str | None = None
    resource: StatusResource | None = None
    created_at: str | None = None
    updated_at: str | None = None
    observed_generation: int | None = None
    last_sync_time: str | None = None
    source_versions: dict[str, str] | None = None
    conditions: list[Condition] = Field(default_factory=list)

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)


def now_iso() -> str:
    """metav1.Time: RFC 3339 in UTC with second precision."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
