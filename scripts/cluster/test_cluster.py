"""Smoke tests of the local control plane, and of our manifests against it.

They prove the cluster behaves like the real thing where the extension depends on it: the LWS
controller and webhooks turn a LeaderWorkerSet into pods with the LWS_* variables, the scheduler
counts fake GPUs, RBAC limits the notebook's account, and every manifest the CLI renders passes a
strict server-side dry run as that account.

Run after `bash scripts/cluster/cluster.sh up`: python3 -m pytest scripts/cluster
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RUN = Path(os.environ.get("LWS_CLUSTER_RUN", Path.home() / ".cache/jupyterlab-lws/run"))


@pytest.fixture(scope="session")
def cluster() -> dict:
    path = RUN / "cluster.json"
    if not path.exists():
        pytest.fail(
            f"{path} is missing: start the local cluster with bash scripts/cluster/cluster.sh up"
        )
    return json.loads(path.read_text())


def kubectl(cluster: dict, *args: str, stdin: str | None = None, account: str | None = None) -> str:
    """Runs kubectl as the admin, or as a service account with its token like a notebook pod."""
    if account is None:
        auth = ["--kubeconfig", cluster["adminKubeconfig"]]
    else:
        acc = cluster["accounts"][account]
        token = (Path(acc["dir"]) / "token").read_text().strip()
        auth = [
            "--kubeconfig=/dev/null",
            f"--server={cluster['server']}",
            f"--certificate-authority={acc['dir']}/ca.crt",
            f"--token={token}",
            f"--namespace={acc['namespace']}",
        ]
    result = subprocess.run(
        [cluster["kubectl"], *auth, *args], input=stdin, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, args, result.stdout, result.stderr)
    return result.stdout


def wait_until(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.5)


def lws_manifest(name: str, size: int = 2, gpus: int = 4) -> dict:
    container = {
        "name": "engine",
        "image": "example.invalid/engine:1",
        "resources": {"limits": {"nvidia.com/gpu": str(gpus)}},
    }
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "leaderWorkerTemplate": {
                "size": size,
                "restartPolicy": "RecreateGroupOnPodRestart",
                "workerTemplate": {"spec": {"containers": [container]}},
            },
        },
    }


def test_fake_gpu_nodes_are_ready_with_the_guides_hardware(cluster):
    nodes = json.loads(kubectl(cluster, "get", "nodes", "-o", "json"))["items"]
    assert len(nodes) >= 2
    for node in nodes:
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
        assert ready == "True"
        assert node["status"]["allocatable"]["nvidia.com/gpu"] == "8"
        assert node["status"]["allocatable"]["rdma/rdma_shared_device_a"] == "1"
        assert node["metadata"]["labels"]["nvidia.com/gpu.product"] == "NVIDIA-L40S"


def test_lws_becomes_ready_pods_with_injected_env_and_headless_service(cluster):
    ns = cluster["accounts"]["editor"]["namespace"]
    name = f"smoke-{uuid.uuid4().hex[:6]}"
    kubectl(cluster, "apply", "-n", ns, "-f", "-", stdin=json.dumps(lws_manifest(name)))
    try:

        def ready_pods():
            pods = json.loads(
                kubectl(
                    cluster,
                    "get",
                    "pods",
                    "-n",
                    ns,
                    "-l",
                    f"leaderworkerset.sigs.k8s.io/name={name}",
                    "-o",
                    "json",
                )
            )["items"]
            ready = [
                p
                for p in pods
                if any(
                    c["type"] == "Ready" and c["status"] == "True"
                    for c in p["status"].get("conditions", [])
                )
            ]
            return pods if len(ready) == 2 else None

        pods = wait_until(ready_pods, 90, "2 Ready pods")
        by_name = {p["metadata"]["name"]: p for p in pods}
        assert set(by_name) == {f"{name}-0", f"{name}-0-1"}
        leader_env = {
            e["name"]: e.get("value") for e in by_name[f"{name}-0"]["spec"]["containers"][0]["env"]
        }
        worker_env = {
            e["name"]: e.get("value")
            for e in by_name[f"{name}-0-1"]["spec"]["containers"][0]["env"]
        }
        assert leader_env["LWS_LEADER_ADDRESS"] == f"{name}-0.{name}.{ns}"
        assert leader_env["LWS_GROUP_SIZE"] == "2"
        assert leader_env["LWS_WORKER_INDEX"] == "0"
        assert worker_env["LWS_WORKER_INDEX"] == "1"
        assert (
            by_name[f"{name}-0-1"]["metadata"]["labels"]["leaderworkerset.sigs.k8s.io/worker-index"]
            == "1"
        )
        for pod in pods:
            assert pod["spec"]["nodeName"].startswith("gpu-node-")

        service = json.loads(kubectl(cluster, "get", "service", name, "-n", ns, "-o", "json"))
        assert service["spec"]["clusterIP"] == "None"
        assert service["spec"]["selector"] == {"leaderworkerset.sigs.k8s.io/name": name}

        lws = wait_until(
            lambda: (
                (o := json.loads(kubectl(cluster, "get", "lws", name, "-n", ns, "-o", "json")))
                .get("status", {})
                .get("readyReplicas")
                == 1
                and o
            ),
            60,
            "readyReplicas 1",
        )
        assert {c["type"] for c in lws["status"]["conditions"] if c["status"] == "True"} >= {
            "Available"
        }
    finally:
        kubectl(cluster, "delete", "lws", name, "-n", ns, "--wait=false")


def test_scheduler_counts_gpus_and_reports_insufficient(cluster):
    ns = cluster["accounts"]["editor"]["namespace"]
    name = f"toobig-{uuid.uuid4().hex[:6]}"
    kubectl(
        cluster, "apply", "-n", ns, "-f", "-", stdin=json.dumps(lws_manifest(name, size=2, gpus=16))
    )
    try:

        def unschedulable():
            events = json.loads(
                kubectl(
                    cluster,
                    "get",
                    "events",
                    "-n",
                    ns,
                    "--field-selector",
                    f"involvedObject.name={name}-0,reason=FailedScheduling",
                    "-o",
                    "json",
                )
            )["items"]
            return events[0]["message"] if events else None

        message = wait_until(unschedulable, 60, "a FailedScheduling event")
        assert "Insufficient nvidia.com/gpu" in message
    finally:
        kubectl(cluster, "delete", "lws", name, "-n", ns, "--wait=false")


def test_default_editor_may_create_lws_but_not_list_nodes(cluster):
    name = f"rbac-{uuid.uuid4().hex[:6]}"
    kubectl(
        cluster,
        "apply",
        "-f",
        "-",
        stdin=json.dumps(lws_manifest(name, size=1, gpus=1)),
        account="editor",
    )
    kubectl(cluster, "delete", "lws", name, account="editor")
    with pytest.raises(subprocess.CalledProcessError) as refused:
        kubectl(cluster, "get", "nodes", account="editor")
    assert "forbidden" in refused.value.stderr


def test_restricted_account_may_not_create_lws(cluster):
    with pytest.raises(subprocess.CalledProcessError) as refused:
        kubectl(
            cluster,
            "apply",
            "-f",
            "-",
            stdin=json.dumps(lws_manifest("nope", 1, 1)),
            account="restricted",
        )
    assert "forbidden" in refused.value.stderr


def test_job_pods_stay_running_until_told_to_finish(cluster):
    ns = cluster["accounts"]["editor"]["namespace"]
    name = f"job-{uuid.uuid4().hex[:6]}"
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "download", "image": "python:3.11-slim"}],
                }
            },
        },
    }
    kubectl(cluster, "apply", "-n", ns, "-f", "-", stdin=json.dumps(job))
    try:
        selector = f"job-name={name}"

        def running_pod():
            pods = json.loads(
                kubectl(cluster, "get", "pods", "-n", ns, "-l", selector, "-o", "json")
            )["items"]
            return (
                pods[0]["metadata"]["name"]
                if pods and pods[0]["status"].get("phase") == "Running"
                else None
            )

        pod = wait_until(running_pod, 60, "the Job's pod to run")
        time.sleep(3)
        status = json.loads(kubectl(cluster, "get", "job", name, "-n", ns, "-o", "json"))["status"]
        assert status.get("succeeded", 0) == 0 and status.get("active") == 1
        kubectl(cluster, "annotate", "pod", pod, "-n", ns, "sim.jupyterlab-lws.io/state=succeeded")
        wait_until(
            lambda: json.loads(kubectl(cluster, "get", "job", name, "-n", ns, "-o", "json"))[
                "status"
            ].get("succeeded"),
            60,
            "the Job to succeed",
        )
    finally:
        kubectl(cluster, "delete", "job", name, "-n", ns, "--wait=false", "--cascade=background")


def rendered_examples() -> list[tuple[str, str]]:
    """Every example spec, its RDMA-off variant, and the other vLLM start modes."""
    cases = []
    for spec_file in sorted((ROOT / "examples").glob("*.yaml")):
        spec = yaml.safe_load(spec_file.read_text())
        cases.append((spec_file.stem, yaml.safe_dump(spec)))
        without_rdma = {k: v for k, v in spec.items() if k != "rdma"}
        cases.append((f"{spec_file.stem}-no-rdma", yaml.safe_dump(without_rdma)))
        if spec.get("engine") == "vllm":
            native = dict(spec, image="vllm/vllm-openai:v0.11.1")
            cases.append((f"{spec_file.stem}-native", yaml.safe_dump(native)))
            ray = dict(spec, image="vllm/vllm-openai:v0.11.2", vllmMode="ray")
            cases.append((f"{spec_file.stem}-ray-v0.11.2", yaml.safe_dump(ray)))
    return cases


@pytest.mark.parametrize(
    ("case", "spec"), rendered_examples(), ids=[c for c, _ in rendered_examples()]
)
def test_rendered_manifests_pass_strict_server_side_dry_run(cluster, case, spec):
    rendered = subprocess.run(
        ["node", str(ROOT / "bin/jupyterlab-lws.js"), "render", "-"],
        input=spec,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rendered.returncode == 0, rendered.stderr
    docs = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    assert {d["kind"] for d in docs} >= {"LeaderWorkerSet", "Service"}
    out = kubectl(
        cluster,
        "apply",
        "--dry-run=server",
        "--server-side",
        "--field-manager=jupyterlab-lws",
        "--validate=strict",
        "-f",
        "-",
        stdin=rendered.stdout,
        account="editor",
    )
    assert "(server dry run)" in out
