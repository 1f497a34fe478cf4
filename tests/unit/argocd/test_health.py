"""The Argo CD health check for TargonWorkload, run in a sandbox like Argo CD's.

Argo CD runs a health check from argocd-cm in gopher-lua (Lua 5.1) with only the base,
table and package libraries and a reduced ``os``: no ``string``, ``math``, ``io`` or
``debug`` unless ``useOpenLibs`` is set. ``sandbox(open_libs=False)`` copies that without
``os`` and ``require`` at all, so the script cannot lean on anything Argo CD may lack;
``sandbox(open_libs=True)`` adds ``string``, ``math`` and ``coroutine``, as useOpenLibs does.
The resource is the global ``obj``, converted from the YAML as Argo CD converts JSON:
objects become tables, lists 1-based arrays, null is nil.

Every case of ``health_test.yaml`` (Argo CD's own format) runs in both sandboxes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from lupa import lua51

from targon_operator.conditions import READY, REASON_DOCS, SYNCED, Reason
from targon_operator.targon import phases

ROOT = Path(__file__).resolve().parents[3]
CHECK_DIR = ROOT / "argocd" / "resource_customizations" / "targon.com" / "TargonWorkload"
SCRIPT = (CHECK_DIR / "health.lua").read_text()
CASES = yaml.safe_load((CHECK_DIR / "health_test.yaml").read_text())["tests"]
CONFIG_KEY = "resource.customizations.health.targon.com_TargonWorkload"

ARGO_STATUSES = {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}

# Not in Argo CD's sandbox (os is replaced there by a reduced os; here it is gone).
REMOVED = ("os", "io", "require", "dofile", "loadfile", "package", "module", "debug", "python")
# Only with useOpenLibs: gopher-lua opens these (and gives strings their methods) then.
OPEN_LIBS = ("string", "math", "coroutine")


def sandbox(*, open_libs: bool) -> lua51.LuaRuntime:
    lua = lua51.LuaRuntime(
        register_eval=False, register_builtins=False, unpack_returned_tuples=True
    )
    if not open_libs:
        # Without gopher-lua's OpenString, ("x"):lower() fails: strings have no metatable.
        lua.execute('debug.setmetatable("", nil)')
    names = REMOVED if open_libs else REMOVED + OPEN_LIBS
    lua_globals = lua.globals()
    for name in names:
        lua_globals[name] = None
    return lua


def to_lua(lua: lua51.LuaRuntime, value: Any) -> Any:
    if isinstance(value, dict):
        table = lua.table()
        for key, item in value.items():
            if item is not None:
                table[key] = to_lua(lua, item)
        return table
    if isinstance(value, list):
        return lua.table(*(to_lua(lua, item) for item in value))
    return value


def run_lua(script: str, obj: dict[str, Any], *, open_libs: bool = False) -> Any:
    lua = sandbox(open_libs=open_libs)
    lua.globals()["obj"] = to_lua(lua, obj)
    return lua.execute(script)


def assess(obj: dict[str, Any], *, open_libs: bool = False) -> dict[str, Any]:
    result = run_lua(SCRIPT, obj, open_libs=open_libs)
    assert lua51.lua_type(result) == "table", f"health.lua returned {result!r}"
    health = dict(result.items())
    assert set(health) == {"status", "message"}, health
    return health


def load(path: str) -> dict[str, Any]:
    return yaml.safe_load((CHECK_DIR / path).read_text())


# --- The sandbox -----------------------------------------------------------------------------


def test_lua_is_5_1() -> None:
    assert lua51.LuaRuntime().lua_version == (5, 1)


@pytest.mark.parametrize("open_libs", [False, True], ids=["argocd-default", "open-libs"])
def test_sandbox_forbids_os(open_libs: bool) -> None:
    with pytest.raises(lua51.LuaError, match="os"):
        run_lua("return os.time()", {}, open_libs=open_libs)


@pytest.mark.parametrize(
    "code", ['return require("os")', 'return io.open("/etc/passwd")', 'return dofile("x.lua")']
)
def test_sandbox_forbids_files_and_modules(code: str) -> None:
    with pytest.raises(lua51.LuaError):
        run_lua(code, {})


def test_default_sandbox_has_no_string_library() -> None:
    with pytest.raises(lua51.LuaError):
        run_lua('return string.lower("A")', {})
    with pytest.raises(lua51.LuaError):
        run_lua('return ("A"):lower()', {})
    assert run_lua('return ("A"):lower()', {}, open_libs=True) == "a"


def test_obj_lists_are_one_based_arrays() -> None:
    obj = {"status": {"conditions": [{"type": "Ready"}, {"type": "Synced"}]}}
    assert run_lua("return #obj.status.conditions, obj.status.conditions[1].type", obj) == (
        2,
        "Ready",
    )


# --- health_test.yaml ------------------------------------------------------------------------


def test_every_testdata_file_is_a_case() -> None:
    listed = {case["inputPath"] for case in CASES}
    on_disk = {f"testdata/{p.name}" for p in (CHECK_DIR / "testdata").glob("*.yaml")}
    assert listed == on_disk
    assert len(CASES) >= 12


@pytest.mark.parametrize("open_libs", [False, True], ids=["argocd-default", "open-libs"])
@pytest.mark.parametrize("case", CASES, ids=[Path(c["inputPath"]).stem for c in CASES])
def test_health_case(case: dict[str, Any], open_libs: bool) -> None:
    health = assess(load(case["inputPath"]), open_libs=open_libs)
    assert health == case["healthStatus"]


def test_cases_cover_every_status_but_missing() -> None:
    statuses = {case["healthStatus"]["status"] for case in CASES}
    assert statuses == ARGO_STATUSES - {"Missing"}


# --- Every reason and every Targon spelling has a decided health ---------------------------

# The health for a condition with that reason and an empty message (spec.suspend is true
# only for Suspended). A new Reason in the operator must be placed here.
REASON_HEALTH: dict[Reason, str] = {
    Reason.RUNNING: "Healthy",
    Reason.DEPLOYING: "Progressing",
    Reason.REGISTERED: "Progressing",
    Reason.SUSPENDED: "Suspended",
    Reason.FAILED: "Degraded",
    Reason.STOPPED: "Degraded",
    Reason.UNKNOWN_PHASE: "Unknown",
    Reason.PENDING: "Progressing",
    Reason.UP_TO_DATE: "Progressing",
    Reason.INVALID_SPEC: "Degraded",
    Reason.UNAUTHORIZED: "Degraded",
    Reason.REMOTE_MISSING: "Progressing",
    Reason.TARGON_UNAVAILABLE: "Progressing",
    Reason.SOURCE_NOT_FOUND: "Degraded",
    Reason.INVALID_SOURCE: "Degraded",
    Reason.FORBIDDEN: "Degraded",
    Reason.DIGEST_MISMATCH: "Degraded",
    Reason.COST_LIMIT_EXCEEDED: "Degraded",
    Reason.ADOPTION_FAILED: "Degraded",
    Reason.DELETING: "Progressing",
}


def condition(type_: str, status: str, reason: str, message: str = "") -> dict[str, Any]:
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2025-01-15T10:00:00Z",
        "observedGeneration": 1,
    }


def test_every_operator_reason_has_a_health() -> None:
    assert set(REASON_HEALTH) == set(Reason)


@pytest.mark.parametrize("reason", list(Reason), ids=[r.value for r in Reason])
def test_reason_with_empty_message_still_explains(reason: Reason) -> None:
    kind, _ = REASON_DOCS[reason]
    good = reason in (Reason.RUNNING, Reason.UP_TO_DATE)
    cond = condition(kind, "True" if good else "False", reason.value)
    if kind == READY:
        conditions = [cond, condition(SYNCED, "True", Reason.UP_TO_DATE.value, "in sync")]
    else:
        conditions = [condition(READY, "False", Reason.PENDING.value, "not registered"), cond]
    obj = {
        "metadata": {"name": "w", "generation": 1},
        "spec": {"suspend": reason is Reason.SUSPENDED},
        "status": {"conditions": conditions},
    }
    health = assess(obj)
    assert health["status"] == REASON_HEALTH[reason]
    assert isinstance(health["message"], str)
    assert len(health["message"]) > 10


# What a phase alone (no conditions yet) shows: Healthy needs the operator's Ready=True.
PHASE_HEALTH = {
    phases.Phase.REGISTERED: "Progressing",
    phases.Phase.DEPLOYING: "Progressing",
    phases.Phase.RUNNING: "Progressing",
    phases.Phase.STOPPED: "Degraded",
    phases.Phase.FAILED: "Degraded",
    phases.Phase.DELETED: "Progressing",
    phases.Phase.UNKNOWN: "Unknown",
}


def spellings() -> list[tuple[str, phases.Phase]]:
    words = []
    for alias in sorted(phases._ALIASES):
        for word in {alias, alias.upper(), alias.capitalize()}:
            words.append((word, phases.classify(word)))
    return words


@pytest.mark.parametrize("open_libs", [False, True], ids=["argocd-default", "open-libs"])
@pytest.mark.parametrize(("phase", "meaning"), spellings(), ids=[w for w, _ in spellings()])
def test_phase_spellings_match_the_operator(
    phase: str, meaning: phases.Phase, open_libs: bool
) -> None:
    health = assess({"status": {"phase": phase}}, open_libs=open_libs)
    assert health["status"] == PHASE_HEALTH[meaning]
    assert phase in health["message"]


def test_unknown_phase_without_conditions_is_unknown() -> None:
    health = assess({"status": {"phase": "HIBERNATING"}})
    assert health == {
        "status": "Unknown",
        "message": "Targon reports HIBERNATING (a status this health check does not know)",
    }


def test_any_capitalisation_needs_the_string_library() -> None:
    obj = {"status": {"phase": " bUiLdInG "}}
    assert assess(obj)["status"] == "Unknown"
    assert assess(obj, open_libs=True) == {
        "status": "Progressing",
        "message": "Targon reports  bUiLdInG ",
    }


@pytest.mark.parametrize(
    "obj",
    [{}, {"status": None}, {"status": {"conditions": []}}, {"spec": {}, "status": {}}],
    ids=["nothing", "null-status", "no-conditions", "empty-status"],
)
def test_no_status_yet_is_progressing(obj: dict[str, Any]) -> None:
    assert assess(obj) == {
        "status": "Progressing",
        "message": "Waiting for the operator to register the workload on Targon",
    }


# --- The copies for argocd-cm stay in sync with the file -------------------------------------


def test_argocd_cm_patch_carries_the_script() -> None:
    patch = yaml.safe_load((ROOT / "argocd" / "argocd-cm-patch.yaml").read_text())
    assert patch["metadata"]["name"] == "argocd-cm"
    assert patch["data"][CONFIG_KEY] == SCRIPT, "copy health.lua into argocd/argocd-cm-patch.yaml"


def test_docs_carry_the_script() -> None:
    docs = (ROOT / "docs" / "argocd.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", docs, flags=re.DOTALL)
    configs = [yaml.safe_load(b) for b in blocks if CONFIG_KEY in b]
    assert configs, f"docs/argocd.md shows no {CONFIG_KEY}"
    for config in configs:
        assert config["data"][CONFIG_KEY] == SCRIPT, "copy health.lua into docs/argocd.md"
