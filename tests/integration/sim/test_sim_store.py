"""The store on a hand-driven clock: lazy transitions, heartbeats, windows and big pages."""

from __future__ import annotations

import random
from typing import Any

import pytest

from targon_operator.sim import ApiError, ListQuery, SimConfig, Store


class Clock:
    def __init__(self, now: float = 1_736_937_000.0) -> None:  # 2025-01-15T10:30:00Z
        self.now = now

    def __call__(self) -> float:
        return self.now


def _store(clock: Clock, **settings: Any) -> Store:
    config = SimConfig(api_keys=("k",), deploy_delay=2.0, log_interval=5.0, **settings)
    return Store(config, clock=clock, rng=random.Random(1))


def _spec(name: str = "job", **changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "RENTAL",
        "name": name,
        "image": "pytorch/pytorch:latest",
        "resource_name": "h200-small",
    }
    spec.update(changes)
    return spec


def test_deploying_becomes_running_exactly_at_the_deploy_delay() -> None:
    clock = Clock()
    store = _store(clock)
    w = store.create(0, _spec())
    store.deploy(w.uid, 0)

    clock.now += 1.999
    assert store.get(w.uid, 0).status == "DEPLOYING"
    clock.now += 0.001
    assert store.get(w.uid, 0).status == "RUNNING"


def test_a_late_read_stamps_the_transition_with_its_own_time() -> None:
    clock = Clock()
    store = _store(clock)
    w = store.create(0, _spec())
    store.deploy(w.uid, 0)

    clock.now += 60
    w = store.get(w.uid, 0)

    assert w.events.since(0)[-1]["created_at"] == "2025-01-15T10:30:02Z"
    assert w.updated_at == 1_736_937_002.0


def test_a_forced_state_cancels_the_pending_rollout() -> None:
    clock = Clock()
    store = _store(clock)
    w = store.create(0, _spec())
    store.deploy(w.uid, 0)
    clock.now += 1
    store.force_state(w.uid, status="FAILED", message="ImagePullBackOff", ready=None, total=None)

    clock.now += 10

    assert store.get(w.uid, 0).status == "FAILED"


def test_a_redeploy_restarts_the_delay() -> None:
    clock = Clock()
    store = _store(clock)
    w = store.create(0, _spec())
    store.deploy(w.uid, 0)
    clock.now += 1.5
    store.deploy(w.uid, 0)

    clock.now += 1.0  # 2.5 s after the first deploy, 1 s after the second
    assert store.get(w.uid, 0).status == "DEPLOYING"
    clock.now += 1.0
    assert store.get(w.uid, 0).status == "RUNNING"


def test_a_running_workload_writes_a_heartbeat_every_log_interval() -> None:
    clock = Clock()
    store = _store(clock)
    w = store.create(0, _spec())
    store.deploy(w.uid, 0)

    clock.now += 2 + 15  # running since +2 s; heartbeats at +7, +12, +17
    lines = [line.text for line in store.get(w.uid, 0).logs]

    assert sum("heartbeat" in line for line in lines) == 3
    assert lines[-1].startswith("2025-01-15T10:30:17Z [main] heartbeat")


def test_logs_and_events_keep_only_the_newest_but_count_from_the_first() -> None:
    clock = Clock()
    store = _store(clock, max_log_lines=10, max_events=4)
    w = store.create(0, _spec())
    store.deploy(w.uid, 0)

    clock.now += 10_000  # about 2,000 heartbeats due: only the last 10 are kept
    w = store.get(w.uid, 0)
    for i in range(5):
        store.update(w.uid, 0, {"args": [str(i)]})

    assert len(w.logs) == 10
    assert len(w.events) == 4
    assert w.events.first == w.events.total - 4
    assert w.events.since(0) == list(w.events)


def test_five_thousand_workloads_page_by_hundred_each_once() -> None:
    clock = Clock()
    store = _store(clock)
    uids = [store.create(0, _spec(f"w-{i}")).uid for i in range(5_000)]

    seen: list[str] = []
    after = 0
    pages = 0
    while True:
        items, last = store.page(0, ListQuery(), after=after, limit=100)
        seen += [w.uid for w in items]
        pages += 1
        if last is None:
            break
        after = last

    assert pages == 50
    assert seen == uids


def test_name_lookups_use_the_name_index_among_thousands() -> None:
    clock = Clock()
    store = _store(clock)
    for i in range(3_000):
        store.create(0, _spec(f"w-{i}"))
    twin = [store.create(0, _spec("twin")).uid for _ in range(2)]

    items, last = store.page(0, ListQuery(name="twin"), after=0, limit=100)

    assert [w.uid for w in items] == twin
    assert last is None
    assert store.page(1, ListQuery(name="twin"), after=0, limit=100) == ([], None)


def test_thousands_of_due_transitions_apply_in_one_pass() -> None:
    clock = Clock()
    store = _store(clock)
    uids = [store.create(0, _spec(f"w-{i}")).uid for i in range(2_000)]
    for uid in uids:
        store.deploy(uid, 0)

    clock.now += 3
    items, _ = store.page(0, ListQuery(status="running"), after=0, limit=100)

    assert len(items) == 100
    assert all(w.status == "RUNNING" for w in store.all())


def test_unknown_and_foreign_workloads_are_404_and_403() -> None:
    clock = Clock()
    store = _store(clock)
    w = store.create(0, _spec())

    with pytest.raises(ApiError) as unknown:
        store.get("wrk-000000000000", 0)
    with pytest.raises(ApiError) as foreign:
        store.get(w.uid, 1)

    assert (unknown.value.status, foreign.value.status) == (404, 403)
    assert store.get(w.uid, None) is w
