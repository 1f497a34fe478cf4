"""The compute resources a workload may name in ``resource_name``, with their prices.

The reference shows only ``h200-small``; the rest of the catalog follows its pattern
(larger H200 sizes scale GPUs, CPUs, memory and price linearly) so that tests and the demo
can exercise other names, GPU types and a CPU-only resource whose ``gpu_type`` is null.
An unknown name is refused with 400 by validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class ComputeResource:
    """One entry of the catalog: the reference's resource object plus its hourly cost."""

    name: str
    display_name: str
    gpu_type: str | None
    gpu_count: int
    vcpu: int
    memory: int
    """Memory in MB."""
    cost_per_hour: float

    def to_json(self) -> dict[str, Any]:
        """The reference's ``resource`` object (the cost is a sibling field, not in it)."""
        return {
            "name": self.name,
            "display_name": self.display_name,
            "gpu_type": self.gpu_type,
            "gpu_count": self.gpu_count,
            "vcpu": self.vcpu,
            "memory": self.memory,
        }


_RESOURCES = (
    ComputeResource(
        name="h200-small",
        display_name="NVIDIA H200 - Small",
        gpu_type="H200",
        gpu_count=1,
        vcpu=12,
        memory=115000,
        cost_per_hour=2.49,
    ),
    ComputeResource(
        name="h200-medium",
        display_name="NVIDIA H200 - Medium",
        gpu_type="H200",
        gpu_count=2,
        vcpu=24,
        memory=230000,
        cost_per_hour=4.98,
    ),
    ComputeResource(
        name="h200-large",
        display_name="NVIDIA H200 - Large",
        gpu_type="H200",
        gpu_count=4,
        vcpu=48,
        memory=460000,
        cost_per_hour=9.96,
    ),
    ComputeResource(
        name="h200-xlarge",
        display_name="NVIDIA H200 - XLarge",
        gpu_type="H200",
        gpu_count=8,
        vcpu=96,
        memory=920000,
        cost_per_hour=19.92,
    ),
    ComputeResource(
        name="h100-small",
        display_name="NVIDIA H100 - Small",
        gpu_type="H100",
        gpu_count=1,
        vcpu=12,
        memory=80000,
        cost_per_hour=1.99,
    ),
    ComputeResource(
        name="a100-small",
        display_name="NVIDIA A100 - Small",
        gpu_type="A100",
        gpu_count=1,
        vcpu=8,
        memory=60000,
        cost_per_hour=1.29,
    ),
    ComputeResource(
        name="l40s-small",
        display_name="NVIDIA L40S - Small",
        gpu_type="L40S",
        gpu_count=1,
        vcpu=8,
        memory=48000,
        cost_per_hour=0.99,
    ),
    ComputeResource(
        name="rtx4090-small",
        display_name="NVIDIA RTX 4090 - Small",
        gpu_type="RTX4090",
        gpu_count=1,
        vcpu=6,
        memory=32000,
        cost_per_hour=0.49,
    ),
    ComputeResource(
        name="cpu-small",
        display_name="CPU - Small",
        gpu_type=None,
        gpu_count=0,
        vcpu=4,
        memory=16000,
        cost_per_hour=0.08,
    ),
)

CATALOG: Mapping[str, ComputeResource] = MappingProxyType({r.name: r for r in _RESOURCES})
"""Every resource by name, read-only."""
