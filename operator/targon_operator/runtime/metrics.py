"""Prometheus metrics of the operator, in a registry of its own.

A registry per runtime (not the global one) lets tests run several operators in one
process and read exact numbers. The Targon client reports each HTTP attempt through its
observer; ``observe_call`` is that observer, and also what tests and benchmarks read to
count calls per endpoint.
"""

from __future__ import annotations

from collections import Counter

from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as PromCounter

from ..targon import CallRecord


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.calls: Counter[tuple[str, str]] = Counter()
        self.targon_calls = PromCounter(
            "targon_api_calls",
            "Targon API requests by endpoint and HTTP status ('error' when none).",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.targon_retries = PromCounter(
            "targon_api_retries",
            "Targon API requests that were retries of a failed attempt.",
            ["endpoint"],
            registry=self.registry,
        )
        self.targon_latency = Histogram(
            "targon_api_request_duration_seconds",
            "Targon API request latency.",
            ["endpoint"],
            registry=self.registry,
        )
        self.reconciles = PromCounter(
            "targon_reconciles",
            "Reconciles of TargonWorkload resources by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.reconcile_duration = Histogram(
            "targon_reconcile_duration_seconds",
            "Duration of one reconcile.",
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.syncs = PromCounter(
            "targon_syncs", "Batched state syncs of all workloads.", registry=self.registry
        )
        self.status_patches = PromCounter(
            "targon_status_patches",
            "Status patches written, by who wrote them.",
            ["writer"],
            registry=self.registry,
        )
        self.workloads = Gauge(
            "targon_workloads",
            "TargonWorkload resources by Targon phase.",
            ["phase"],
            registry=self.registry,
        )
        self.cost_per_hour = Gauge(
            "targon_running_cost_per_hour",
            "Sum of cost per hour of running workloads (USD).",
            registry=self.registry,
        )
        self.time_to_ready = Histogram(
            "targon_time_to_ready_seconds",
            "Seconds from a resource's creation to Ready.",
            registry=self.registry,
            buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
        )

    def observe_call(self, record: CallRecord) -> None:
        status = str(record.status_code) if record.status_code is not None else "error"
        self.calls[(record.endpoint, status)] += 1
        self.targon_calls.labels(record.endpoint, status).inc()
        self.targon_latency.labels(record.endpoint).observe(record.duration)
        if record.attempt > 1:
            self.targon_retries.labels(record.endpoint).inc()

    def calls_by_endpoint(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (endpoint, _status), count in self.calls.items():
            totals[endpoint] += count
        return dict(totals)
