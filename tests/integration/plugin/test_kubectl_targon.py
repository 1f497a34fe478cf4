"""``kubectl targon`` against the real apiserver, the simulator and the operator.

The plugin runs as a child process, exactly as kubectl runs it; one test goes through
``kubectl`` itself to prove that plugin discovery finds the installed script.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.integration.operator.conftest import (
    API_KEY,
    OTHER_KEY,
    OperatorProcess,
    Sim,
    Workloads,
    rental_spec,
    serverless_spec,
)
from tests.integration.plugin.conftest import BIN, MODULE, Plugin
from tests.kubectl import Kubectl

pytestmark = pytest.mark.cluster

HF_TOKEN = "hf_plugin_secret_value_3f9a"
OTHER_TOKEN = "hf_changed_on_targon_value_b71c"
REGISTRY_PASSWORD = "registry-password-plugin-77d2"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def ready(workloads: Workloads, name: str = "api", **overrides: Any) -> str:
    """Apply a serverless workload, wait until the operator reports it Ready; its uid."""
    workloads.apply(name, serverless_spec(**overrides))
    return str(workloads.wait_ready(name)["workloadUid"])


def bind(kubectl: Kubectl, name: str, spec: dict[str, Any], *, key: str, sim: Sim) -> str:
    """Register a workload on the simulator with ``key`` and point a new resource at it.

    No operator runs: the plugin only reads ``status.workloadUid``, so the tests of
    credentials and errors need nothing else.
    """
    body = {"name": name, "image": spec["image"], "resource_name": "h200-small", "type": "RENTAL"}
    response = httpx.post(
        f"{sim.thread.api_url}/workloads",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    response.raise_for_status()
    uid = str(response.json()["uid"])
    manifest = {
        "apiVersion": "targon.com/v1alpha1",
        "kind": "TargonWorkload",
        "metadata": {"name": name},
        "spec": spec,
    }
    kubectl.apply(yaml.safe_dump(manifest))
    patch = json.dumps({"status": {"workloadUid": uid}})
    kubectl("patch", "tw", name, "--subresource=status", "--type=merge", "-p", patch)
    return uid


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def config_row(output: str, field: str) -> str:
    """The describe line of one Targon field (marker column included)."""
    for line in output.splitlines():
        cells = line.split()
        if field in cells[:2]:
            return line
    raise AssertionError(f"no {field} row in:\n{output}")


def marked(output: str) -> list[str]:
    """The fields describe marks as drifted."""
    return [cells[1] for cells in map(str.split, output.splitlines()) if cells[:1] == ["*"]]


def log_requests(sim: Sim) -> list[dict[str, Any]]:
    return [r for r in sim.requests() if r["path"].endswith("/logs")]


# --- logs ----------------------------------------------------------------------------------


def test_logs_tail_prints_only_the_last_lines(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    ready(workloads)
    everything = plugin("logs", "api")
    assert everything.returncode == 0, everything.stderr
    lines = everything.stdout.splitlines()
    assert "Pulling image my-model-server:latest" in lines[0]
    assert any("Ready: 1/1 replicas" in line for line in lines)

    tail = plugin("logs", "api", "--tail", "2")
    assert tail.returncode == 0, tail.stderr
    last_two = tail.stdout.splitlines()
    assert len(last_two) == 2
    # Heartbeats keep coming: the two lines are consecutive in a later full read.
    later = plugin("logs", "api").stdout.splitlines()
    assert any(later[i : i + 2] == last_two for i in range(len(later) - 1))
    assert log_requests(sim)[-2]["query"] == {"tail": "2"}


def test_logs_since_takes_rfc3339_or_a_duration_and_sends_rfc3339(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    ready(workloads)
    recent = plugin("logs", "api", "--since", "10m")
    assert recent.returncode == 0, recent.stderr
    assert "Pulling image" in recent.stdout
    sent = log_requests(sim)[-1]["query"]["since"]
    assert RFC3339.match(sent)
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    assert abs(datetime.fromisoformat(sent) - ten_minutes_ago) < timedelta(seconds=30)

    future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    nothing = plugin("logs", "api", "--since", future)
    assert (nothing.returncode, nothing.stdout) == (0, "")
    assert log_requests(sim)[-1]["query"]["since"] == future.replace("+00:00", "Z")

    wrong = plugin("logs", "api", "--since", "yesterday")
    assert wrong.returncode == 2
    assert "RFC 3339" in wrong.stderr


def test_logs_follow_streams_new_lines_and_ctrl_c_exits_130_quietly(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    ready(workloads)
    follower = plugin.start("logs", "api", "-f")
    # The simulator writes a heartbeat every 0.5 s while RUNNING: two of them prove the
    # lines arrive as Targon writes them, not only what was there at the start.
    seen = follower.read_until(lambda line: "heartbeat" in line, count=2, timeout=15)
    assert "Pulling image" in seen[0]
    code, stderr = follower.stop(signal.SIGINT)
    assert (code, stderr) == (130, "")
    assert log_requests(sim)[-1]["query"] == {"follow": "true"}

    # A reader that goes away (`| head`) ends the stream quietly too.
    command = shlex.join(plugin.command(("logs", "api", "-f"), namespaced=True))
    piped = subprocess.run(
        ["sh", "-c", f"{command} | head -n 3"],
        env=plugin.env(),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (piped.returncode, piped.stderr) == (0, "")
    assert len(piped.stdout.splitlines()) == 3


# --- events --------------------------------------------------------------------------------


def test_events_are_a_table_oldest_first(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    uid = ready(workloads)
    result = plugin("events", "api")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["TIME", "TYPE", "STATUS", "REASON", "MESSAGE"]
    expected = sim.api.get(f"/workloads/{uid}/events").json()["items"]
    assert len(rows) == len(expected) >= 3
    for row, event in zip(rows, expected, strict=True):
        time, type_, status, reason, message = row.split(maxsplit=4)
        assert (time, type_, status, reason, message) == (
            event["created_at"],
            event["event_type"],
            event["new_status"],
            event["reason"],
            event["message"],
        )
    reasons = [row.split()[3] for row in rows]
    assert reasons[:3] == ["Created", "Deployed", "Ready"]


# --- describe ------------------------------------------------------------------------------


def test_describe_marks_the_field_that_drifted_on_targon(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    uid = ready(workloads)
    in_sync = plugin("describe", "api")
    assert in_sync.returncode == 0, in_sync.stderr
    assert "FIELD" in in_sync.stdout and marked(in_sync.stdout) == []

    operator.stop()  # or it would PATCH the image back
    sim.api.patch(f"/workloads/{uid}", json={"image": "x"}).raise_for_status()
    result = plugin("describe", "api")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert config_row(out, "image").split() == ["*", "image", "my-model-server:latest", "x"]
    assert marked(out) == ["image"]
    assert config_row(out, "serverless_config.max_replicas").split()[-2:] == ["5", "5"]
    assert "\x1b[" not in out  # not a terminal: no color
    assert re.search(r"Phase:\s+RUNNING", out)
    assert re.search(r"Ready:\s+1/1", out)
    assert re.search(rf"URL:\s+https://{uid}\.", out)
    assert re.search(r"Cost/hour:\s+\$\d+\.\d\d", out)
    assert re.search(r"Ready\s+True\s+Running", out)
    assert re.search(r"Synced\s+True\s+UpToDate", out)

    colored = plugin("describe", "api", "--color=always").stdout
    assert "\x1b[31m" in config_row(colored, "image")
    assert "\x1b[31m" not in config_row(colored, "ports")


def test_describe_never_prints_values_from_secrets(
    operator: OperatorProcess, sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    kubectl = workloads.kubectl
    kubectl("create", "secret", "generic", "hf", f"--from-literal=token={HF_TOKEN}")
    auth = {"registry.example.com": {"username": "bot", "password": REGISTRY_PASSWORD}}
    kubectl(
        "create",
        "secret",
        "generic",
        "regcred",
        "--type=kubernetes.io/dockerconfigjson",
        "--from-literal=.dockerconfigjson=" + json.dumps({"auths": auth}),
    )
    env = [
        {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}},
        {"name": "PLAIN", "value": "visible-in-spec"},
    ]
    uid = ready(
        workloads,
        image="registry.example.com/team/llm:1.0",
        env=env,
        registryAuth={"secretRef": {"name": "regcred"}},
    )
    result = plugin("describe", "api")
    assert result.returncode == 0, result.stderr
    envs = config_row(result.stdout, "envs")
    assert envs.split()[:3] == ["envs", "HF_TOKEN=<from", "secret>,"]
    assert "registry_auth" in result.stdout and "secret regcred" in result.stdout

    operator.stop()
    changed = [{"name": "HF_TOKEN", "value": OTHER_TOKEN}, {"name": "PLAIN", "value": "x"}]
    sim.api.patch(f"/workloads/{uid}", json={"envs": changed}).raise_for_status()
    drifted = plugin("describe", "api")
    assert drifted.returncode == 0, drifted.stderr
    envs = config_row(drifted.stdout, "envs")
    assert marked(drifted.stdout) == ["envs"]
    assert "HF_TOKEN (value differs)" in envs and "PLAIN (value differs)" in envs

    # Without the Secret, the plugin cannot tell whether HF_TOKEN differs: it says so.
    kubectl("delete", "secret", "hf")
    plain = [
        {"name": "HF_TOKEN", "value": OTHER_TOKEN},
        {"name": "PLAIN", "value": "visible-in-spec"},
    ]
    sim.api.patch(f"/workloads/{uid}", json={"envs": plain}).raise_for_status()
    unknown = plugin("describe", "api")
    assert unknown.returncode == 0, unknown.stderr
    assert config_row(unknown.stdout, "envs").split()[:2] == ["?", "envs"]
    assert "? env values not compared: spec.env[0].valueFrom.secretKeyRef" in unknown.stdout
    for output in (result, drifted, unknown):
        text = output.stdout + output.stderr
        for secret in (HF_TOKEN, OTHER_TOKEN, REGISTRY_PASSWORD, API_KEY):
            assert secret not in text


# --- errors --------------------------------------------------------------------------------


def test_a_missing_resource_is_a_one_line_error(plugin: Plugin) -> None:
    for command in ("logs", "events", "describe"):
        line = one_line_error(plugin(command, "nope"))
        assert f'TargonWorkload "nope" not found in namespace "{plugin.namespace}"' in line


def test_a_resource_not_registered_yet_is_explained(
    sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    workloads.apply("api", serverless_spec())  # no operator runs: no workloadUid
    for command in ("logs", "events"):
        assert "not registered on Targon yet" in one_line_error(plugin(command, "api"))
    described = plugin("describe", "api")
    assert described.returncode == 0, described.stderr
    assert "Targon: not registered on Targon yet" in described.stdout
    assert config_row(described.stdout, "image").split() == [
        "image",
        "my-model-server:latest",
        "-",
    ]


def test_targon_errors_and_a_missing_key_are_one_line_errors_without_the_key(
    sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    uid = bind(workloads.kubectl, "api", rental_spec(), key=API_KEY, sim=sim)
    no_key = one_line_error(plugin("logs", "api", env={"TARGON_API_KEY": None}))
    assert "no Targon API key" in no_key and "TARGON_API_KEY_SECRET" in no_key

    wrong = one_line_error(plugin("events", "api", env={"TARGON_API_KEY": "wrong-key-5d1e"}))
    assert wrong.startswith("error: Targon: ") and " 401 " in wrong
    assert "wrong-key-5d1e" not in wrong

    # A valid key of another account: Targon refuses it, and its message is shown.
    other = one_line_error(plugin("logs", "api", env={"TARGON_API_KEY": OTHER_KEY}))
    assert " 403 " in other and "belongs to another API key" in other and uid in other

    described = plugin("describe", "api", env={"TARGON_API_KEY": "wrong-key-5d1e"})
    assert described.returncode == 1
    assert "Name:" in described.stdout  # what the cluster knows is still shown
    assert described.stderr.count("\n") == 1 and "401" in described.stderr
    assert "wrong-key-5d1e" not in described.stdout + described.stderr


# --- credentials and namespaces ------------------------------------------------------------


def test_the_resources_credentials_secret_is_used_before_the_environment(
    sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    kubectl = workloads.kubectl
    kubectl("create", "secret", "generic", "team-key", f"--from-literal=token={OTHER_KEY}")
    spec = rental_spec(credentialsSecretRef={"name": "team-key", "key": "token"})
    bind(kubectl, "api", spec, key=OTHER_KEY, sim=sim)
    # TARGON_API_KEY names another account, which cannot see this workload.
    result = plugin("events", "api", env={"TARGON_API_KEY": API_KEY})
    assert result.returncode == 0, result.stderr
    assert "Created" in result.stdout
    described = plugin("describe", "api", env={"TARGON_API_KEY": API_KEY})
    assert described.returncode == 0, described.stderr
    # Registered without the spec's port: the one field that differs.
    assert marked(described.stdout) == ["ports"]
    assert config_row(described.stdout, "ssh_keys").split() == ["ssh_keys", "-", "-"]

    kubectl("delete", "secret", "team-key")
    line = one_line_error(plugin("events", "api"))
    assert "spec.credentialsSecretRef" in line and "'team-key'" in line


def test_the_default_key_can_come_from_a_secret_named_by_the_environment(
    sim: Sim, workloads: Workloads, plugin: Plugin
) -> None:
    kubectl = workloads.kubectl
    bind(kubectl, "api", rental_spec(), key=OTHER_KEY, sim=sim)
    kubectl("create", "secret", "generic", "targon", f"--from-literal=apiKey={OTHER_KEY}")
    ref = f"{plugin.namespace}/targon"
    result = plugin("events", "api", env={"TARGON_API_KEY": None, "TARGON_API_KEY_SECRET": ref})
    assert result.returncode == 0, result.stderr
    assert "Created" in result.stdout

    gone = f"{plugin.namespace}/nothing"
    env = {"TARGON_API_KEY": None, "TARGON_API_KEY_SECRET": gone}
    assert f"Secret {gone} not found" in one_line_error(plugin("events", "api", env=env))


def test_the_namespace_defaults_to_the_kubeconfig_contexts(
    sim: Sim, workloads: Workloads, plugin: Plugin, tmp_path: Path
) -> None:
    bind(workloads.kubectl, "api", rental_spec(), key=API_KEY, sim=sim)
    config = yaml.safe_load(plugin.kubeconfig.read_text())
    current = next(c for c in config["contexts"] if c["name"] == config["current-context"])
    current["context"]["namespace"] = plugin.namespace
    with_namespace = tmp_path / "kubeconfig"
    with_namespace.write_text(yaml.safe_dump(config))
    # As kubectl runs it: KUBECONFIG in the environment, no flags.
    env = {**plugin.env(), "KUBECONFIG": str(with_namespace)}
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "events", "api"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Created" in result.stdout
    # Without a namespace in the context it is "default", as with kubectl.
    line = one_line_error(plugin("events", "api", namespaced=False))
    assert 'not found in namespace "default"' in line


# --- kubectl plugin discovery --------------------------------------------------------------


def test_kubectl_finds_the_installed_plugin_on_path(plugin: Plugin) -> None:
    assert (BIN / "kubectl-targon").is_file()
    env = {**plugin.env(), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = {"env": env, "capture_output": True, "text": True, "timeout": 30, "check": False}
    helped = subprocess.run(["kubectl", "targon", "--help"], **run)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: kubectl targon")
    for command in ("logs", "events", "describe"):
        assert command in helped.stdout
    # Arguments pass through kubectl unchanged.
    flags = [f"--kubeconfig={plugin.kubeconfig}", "-n", plugin.namespace]
    missing = subprocess.run(["kubectl", "targon", "events", "nope", *flags], **run)
    assert one_line_error(missing).endswith(
        f'TargonWorkload "nope" not found in namespace "{plugin.namespace}"'
    )
