"""Crash safety: SIGKILL at the worst moments, restart, and count what Targon holds.

The simulator's ``after`` + ``hang`` fault processes a request and then never answers, which
freezes the operator exactly after Targon acted and before the operator could record it;
that is when the test kills it. Then: exactly one remote workload, adopted; no second
deploy; no second PATCH; nothing leaked on delete.
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest

from tests.integration.operator.conftest import OperatorProcess, Sim, Workloads, serverless_spec
from tests.waiting import wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def freeze_after(sim: Sim, method: str, path: str) -> None:
    sim.faults({"method": method, "path": path, "hang": True, "after": True, "times": 1})


def sent(sim: Sim, method: str, path_regex_end: str) -> int:
    return sum(1 for m, p in sim.calls() if m == method and p.endswith(path_regex_end))


def test_kill_after_create_before_the_uid_is_stored_adopts_the_one_workload(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    op: OperatorProcess = start_operator()
    freeze_after(sim, "POST", "^/tha/v2/workloads$")
    workloads.apply("api", serverless_spec())
    wait_for(lambda: len(sim.workloads()) == 1, what="the create to reach Targon")
    status = workloads.status("api")
    assert status["createPending"]["name"] == "api"
    assert "workloadUid" not in status
    op.kill()

    sim.clear_faults()
    start_operator()
    status = workloads.wait_ready("api")
    (remote,) = sim.workloads()
    assert status["workloadUid"] == remote["uid"]
    assert "createPending" not in status
    assert sent(sim, "POST", "/tha/v2/workloads") == 1
    assert ("GET", "/tha/v2/workloads") in sim.calls(skip_lists=False)  # the lookup by name


def test_kill_after_deploy_does_not_deploy_twice(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    op: OperatorProcess = start_operator()
    freeze_after(sim, "POST", "/deploy$")
    workloads.apply("api", serverless_spec())
    wait_for(lambda: sent(sim, "POST", "/deploy") == 1, what="the deploy to reach Targon")
    op.kill()

    sim.clear_faults()
    start_operator()
    workloads.wait_ready("api")
    assert sent(sim, "POST", "/deploy") == 1
    assert len(sim.workloads()) == 1


def test_kill_during_an_update_does_not_patch_twice(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    op: OperatorProcess = start_operator()
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    freeze_after(sim, "PATCH", f"/{uid}$")
    workloads.patch("api", {"image": "my-model-server:v2"})
    wait_for(
        lambda: sim.workload(uid)["image"] == "my-model-server:v2", what="the PATCH to reach Targon"
    )
    op.kill()

    sim.clear_faults()
    start_operator()
    wait_for(
        lambda: workloads.status("api").get("observedGeneration") == 2, what="generation 2 handled"
    )
    workloads.wait_ready("api")
    assert sent(sim, "PATCH", f"/{uid}") == 1
    assert [w["uid"] for w in sim.workloads()] == [uid]


def test_kill_during_a_delete_leaks_nothing(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    op: OperatorProcess = start_operator()
    workloads.apply("api", serverless_spec())
    uid = workloads.wait_ready("api")["workloadUid"]
    freeze_after(sim, "DELETE", f"/{uid}$")
    workloads.kubectl("delete", "tw", "api", "--wait=false")
    wait_for(lambda: not sim.workloads(), what="the DELETE to reach Targon")
    assert workloads.get("api") is not None  # the finalizer still holds it
    op.kill()

    sim.clear_faults()
    start_operator()
    workloads.wait_gone("api")
    assert not sim.workloads()


def test_random_kills_through_a_whole_lifecycle_leave_no_duplicate_and_no_leak(
    start_operator: Any, sim: Sim, workloads: Workloads
) -> None:
    rng = random.Random(20251204)
    names = [f"w{i}" for i in range(8)]
    op: OperatorProcess = start_operator()

    def chaos(rounds: int) -> None:
        nonlocal op
        for _ in range(rounds):
            time.sleep(rng.uniform(0.05, 0.6))
            op.kill()
            op = start_operator()

    for name in names:
        workloads.apply(name, serverless_spec())
    chaos(3)
    for name in names:
        workloads.wait_ready(name, timeout=60)
    uids = {workloads.status(n)["workloadUid"] for n in names}
    assert {w["uid"] for w in sim.workloads()} == uids
    assert len(uids) == len(names)

    for name in names:
        workloads.patch(name, {"image": "my-model-server:v2"})
    chaos(3)
    for name in names:
        wait_for(
            lambda n=name: workloads.status(n).get("observedGeneration") == 2,
            timeout=60,
            what=f"{name} generation 2",
        )
    wait_for(
        lambda: all(w["image"] == "my-model-server:v2" for w in sim.workloads()), what="all patched"
    )
    assert {w["uid"] for w in sim.workloads()} == uids

    workloads.kubectl("delete", "tw", "--all", "--wait=false")
    chaos(2)
    for name in names:
        workloads.wait_gone(name, timeout=60)
    assert not sim.workloads()
