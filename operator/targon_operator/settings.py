"""The operator's settings: one object, each field documented once.

Every field is an environment variable (``TARGON_`` + upper-case name) and a command-line
flag (``--`` + dashed name); flags win over the environment. The README's table of flags
and variables is generated from this class (``settings_table``) and a test keeps the two
equal, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

ENV_PREFIX = "TARGON_"


class OperatorSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    api_url: str = Field(
        "https://api.targon.com",
        description="Base URL of the Targon API (without /tha/v2).",
    )
    api_key: SecretStr | None = Field(
        None,
        description="The default Targon API key. Prefer api-key-secret; never logged.",
    )
    api_key_secret: str | None = Field(
        None,
        description="The default API key from a Secret, as namespace/name or namespace/name/key "
        "(key defaults to apiKey). Re-read every resync, so a rotated key is picked up.",
    )
    namespaces: list[str] = Field(
        default_factory=list,
        description="Namespaces to watch, comma-separated; empty means all namespaces.",
    )
    resync_interval: float = Field(
        30.0, description="Seconds between two state syncs of all workloads (one paged list).", gt=0
    )
    deploying_interval: float = Field(
        2.0, description="Seconds between state syncs while some workload is deploying.", gt=0
    )
    page_size: int = Field(100, description="Items per page when listing Targon workloads.", ge=1)
    slow_retry: float = Field(
        60.0,
        description="Seconds between retries after Unauthorized or a missing permission.",
        gt=0,
    )
    backoff_max: float = Field(
        300.0, description="The cap of exponential backoff after 429, 5xx and network errors.", gt=0
    )
    request_timeout: float = Field(
        30.0, description="Seconds to wait for a Targon API answer.", gt=0
    )
    max_concurrent_reconciles: int = Field(
        128,
        description="Resources reconciled at once; the rest queue (bounds memory at scale).",
        ge=1,
    )
    max_concurrent_syncs: int = Field(
        32, description="Status patches and drift checks a sync runs at once.", ge=1
    )
    liveness_port: int = Field(
        8080, description="Port of the /healthz liveness endpoint; 0 disables it.", ge=0
    )
    metrics_port: int = Field(
        9090, description="Port of the Prometheus /metrics endpoint; 0 disables it.", ge=0
    )
    standalone: bool = Field(
        False, description="Run without kopf peering (a single replica; no leader election)."
    )
    peering_name: str | None = Field(
        None,
        description="kopf peering object that elects one active replica (HA). When set, "
        "peering is mandatory; unset, kopf peers only if its peering CRDs are installed.",
    )
    priority: int = Field(0, description="kopf peering priority of this replica (HA).")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: str = Field("text", description="text or json.")

    @field_validator("api_key", "api_key_secret", "peering_name", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("namespaces", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [ns.strip() for ns in value.split(",") if ns.strip()]
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @classmethod
    def load(
        cls, args: argparse.Namespace | None = None, environ: Mapping[str, str] | None = None
    ) -> OperatorSettings:
        """Environment first, then flags that were given on the command line."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            var = env_var(name)
            if var in env:
                values[name] = env[var]
        if args is not None:
            for name in cls.model_fields:
                given = getattr(args, name, None)
                if given is not None:
                    values[name] = given
        return cls.model_validate(values)


def env_var(field: str) -> str:
    return ENV_PREFIX + field.upper()


def flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per setting; defaults stay ``None`` so that the environment can fill them."""
    for name, info in OperatorSettings.model_fields.items():
        kind = _base_type(info.annotation)
        help_text = f"{info.description} (env {env_var(name)})"
        if kind is bool:
            parser.add_argument(
                flag(name), dest=name, action="store_const", const=True, help=help_text
            )
        else:
            parser.add_argument(
                flag(name), dest=name, default=None, help=help_text, metavar=name.upper()
            )


def _base_type(annotation: Any) -> Any:
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def settings_table(fields: Sequence[str] | None = None) -> str:
    """The README's Markdown table of flags and environment variables."""
    rows = ["| Flag | Environment variable | Default | Meaning |", "| --- | --- | --- | --- |"]
    for name, info in OperatorSettings.model_fields.items():
        if fields is not None and name not in fields:
            continue
        default = info.get_default(call_default_factory=True)
        shown = "" if default in (None, []) else f"`{default}`"
        rows.append(f"| `{flag(name)}` | `{env_var(name)}` | {shown} | {info.description} |")
    return "\n".join(rows)
