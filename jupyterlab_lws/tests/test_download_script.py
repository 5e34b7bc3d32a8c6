"""The download Job's script with the real huggingface_hub client against a local Hub.

Each client version runs in its own virtualenv made by scripts/setup.sh
(~/.cache/jupyterlab-lws/venvs/hf-<version>): the oldest a supported engine image carries and
the newest on PyPI. The script runs exactly as in the Job (``python3 -c <script>``), with the
Job's environment. With LWS_UPDATE_FIXTURES=1 the runs' output is saved under
src/model/__tests__/fixtures/download-logs/, where the TypeScript parser's tests read it.
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .hub_server import Hub, Repo, serve

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (ROOT / "jupyterlab_lws" / "jobs" / "download_model.py").read_text()
CACHE_SCRIPT = (ROOT / "jupyterlab_lws" / "jobs" / "model_cache.py").read_text()
FIXTURES = ROOT / "src" / "model" / "__tests__" / "fixtures" / "download-logs"
VENVS = Path.home() / ".cache" / "jupyterlab-lws" / "venvs"
# Keep in step with scripts/setup.sh.
CLIENTS = ["0.25.2", "2.4.0"]
COMMIT = "5f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b"
MIB = 1 << 20


def python_of(version):
    python = VENVS / f"hf-{version}" / "bin" / "python"
    assert python.exists(), f"{python} is missing: run scripts/setup.sh"
    return str(python)


def small_repo():
    return Repo(
        commit=COMMIT,
        files={
            "config.json": json.dumps({"num_attention_heads": 8}).encode(),
            "tokenizer.json": b'{"version": "1.0"}',
            "model-00001-of-00002.safetensors": os.urandom(3 * MIB),
            "model-00002-of-00002.safetensors": os.urandom(2 * MIB),
        },
    )


@pytest.fixture
def hub():
    state = Hub(
        repos={
            "org/tiny-model": small_repo(),
            "org/gated-model": Repo(commit=COMMIT, files={"config.json": b"{}"}, token="hf_ok"),
            # Shards of 1 to 8 MiB on a slow link finish one after the other.
            "org/sharded-model": Repo(
                commit=COMMIT,
                files={
                    "config.json": b"{}",
                    **{
                        f"model-0000{index}-of-00008.safetensors": os.urandom(index * MIB)
                        for index in range(1, 9)
                    },
                },
            ),
            "org/big-model": Repo(
                commit=COMMIT,
                files={"config.json": b"{}", "model.safetensors": os.urandom(16 * MIB)},
            ),
        }
    )
    server, url = serve(state)
    state.url = url
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def job_env(hub, cache_dir, **extra):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cache_dir.parent),
        "HF_ENDPOINT": hub.url,
        "CACHE_DIR": str(cache_dir),
        "PROGRESS_INTERVAL": "0.05",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    env.update(extra)
    return env


def run(version, env, script=SCRIPT):
    return subprocess.run(
        [python_of(version), "-c", script], env=env, capture_output=True, text=True, timeout=120
    )


def events(stdout, prefix="LWS-DOWNLOAD "):
    return [
        json.loads(line[len(prefix) :]) for line in stdout.splitlines() if line.startswith(prefix)
    ]


def save_fixture(name, stdout, cache_dir, hub):
    """Keep a real run's output for the TypeScript tests (LWS_UPDATE_FIXTURES=1)."""
    if os.environ.get("LWS_UPDATE_FIXTURES") != "1":
        return
    FIXTURES.mkdir(parents=True, exist_ok=True)
    # Only the test's temporary folder and port change: write them as the Job sees them.
    text = stdout.replace(str(cache_dir), "/models/hub").replace(hub.url, "https://huggingface.co")
    (FIXTURES / f"{name}.txt").write_text(text)


def fixture_events(name):
    return events((FIXTURES / f"{name}.txt").read_text())


@pytest.mark.parametrize("version", CLIENTS)
def test_downloads_into_the_cache_layout_with_progress(hub, tmp_path, version):
    cache_dir = tmp_path / "hub"
    result = run(version, job_env(hub, cache_dir, MODEL_ID="org/tiny-model"))
    assert result.returncode == 0, result.stderr
    seen = events(result.stdout)

    start, *progress, done = seen
    assert start["event"] == "start"
    assert start["commit"] == COMMIT
    assert start["client"] == version
    # HF_ENDPOINT (a mirror) is where every request went.
    assert start["endpoint"] == hub.url
    assert {request["path"] for request in hub.requests} >= {
        "/api/models/org/tiny-model/revision/main",
        f"/org/tiny-model/resolve/{COMMIT}/config.json",
    }
    assert (start["files"], start["bytes"]) == (4, sum(map(len, small_repo().files.values())))
    assert progress and all(event["event"] == "progress" for event in progress)
    assert [event["bytes"] for event in progress] == sorted(event["bytes"] for event in progress)
    assert progress[-1]["files"] == progress[-1]["filesTotal"] == 4
    assert progress[-1]["bytes"] == progress[-1]["bytesTotal"] == start["bytes"]
    assert done["event"] == "done"
    assert done["commit"] == COMMIT
    assert done["sizeOnDisk"] >= start["bytes"]

    snapshot = cache_dir / "models--org--tiny-model" / "snapshots" / COMMIT
    assert done["path"] == str(snapshot)
    for name, data in small_repo().files.items():
        if name.endswith(".safetensors"):
            assert (snapshot / name).stat().st_size == len(data)
        else:
            assert (snapshot / name).read_bytes() == data
    assert (cache_dir / "models--org--tiny-model" / "refs" / "main").read_text() == COMMIT
    save_fixture(f"success-hf-{version}", result.stdout, cache_dir, hub)
    saved = [event["event"] for event in fixture_events(f"success-hf-{version}")]
    assert (saved[0], saved[-1]) == ("start", "done")


@pytest.mark.parametrize("version", CLIENTS)
def test_progress_advances_during_a_slow_download(hub, tmp_path, version):
    cache_dir = tmp_path / "hub"
    hub.delay = 0.1
    result = run(version, job_env(hub, cache_dir, MODEL_ID="org/sharded-model"))
    assert result.returncode == 0, result.stderr
    steps = [event["bytes"] for event in events(result.stdout) if event["event"] == "progress"]
    assert len(set(steps)) >= 5
    assert steps == sorted(steps)
    save_fixture(f"slow-hf-{version}", result.stdout, cache_dir, hub)
    assert fixture_events(f"slow-hf-{version}")[-1]["event"] == "done"


@pytest.mark.parametrize("version", CLIENTS)
def test_honours_include_and_exclude_globs(hub, tmp_path, version):
    cache_dir = tmp_path / "hub"
    env = job_env(
        hub,
        cache_dir,
        MODEL_ID="org/tiny-model",
        ALLOW_PATTERNS='["*.json", "*.safetensors"]',
        IGNORE_PATTERNS='["tokenizer*"]',
    )
    result = run(version, env)
    assert result.returncode == 0, result.stderr
    assert events(result.stdout)[0]["files"] == 3
    snapshot = cache_dir / "models--org--tiny-model" / "snapshots" / COMMIT
    assert sorted(path.name for path in snapshot.iterdir()) == [
        "config.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    ]


FAILURES = [
    # (fixture name, environment, failure id, exit code)
    ("hf-auth", {"MODEL_ID": "org/gated-model"}, "hf-auth", 3),
    ("hf-auth-bad-token", {"MODEL_ID": "org/gated-model", "HF_TOKEN": "hf_wrong"}, "hf-auth", 3),
    ("model-not-found", {"MODEL_ID": "org/no-such-model"}, "model-not-found", 3),
    ("revision-not-found", {"MODEL_ID": "org/tiny-model", "REVISION": "v9"}, "model-not-found", 3),
    (
        "no-matching-files",
        {"MODEL_ID": "org/tiny-model", "ALLOW_PATTERNS": '["*.gguf"]'},
        "no-matching-files",
        3,
    ),
]


@pytest.mark.parametrize("version", CLIENTS)
@pytest.mark.parametrize(("name", "extra", "failure_id", "code"), FAILURES)
def test_failures_end_with_one_explained_line(
    hub, tmp_path, version, name, extra, failure_id, code
):
    cache_dir = tmp_path / "hub"
    result = run(version, job_env(hub, cache_dir, **extra))
    assert result.returncode == code
    last = events(result.stdout)[-1]
    assert (last["event"], last["id"]) == ("error", failure_id)
    assert "hf_wrong" not in result.stdout + result.stderr
    if version == CLIENTS[0]:
        save_fixture(name, result.stdout, cache_dir, hub)
    assert fixture_events(name)[-1]["id"] == failure_id


@pytest.mark.parametrize("version", CLIENTS)
def test_a_token_opens_a_gated_model(hub, tmp_path, version):
    cache_dir = tmp_path / "hub"
    result = run(version, job_env(hub, cache_dir, MODEL_ID="org/gated-model", HF_TOKEN="hf_ok"))
    assert result.returncode == 0, result.stderr
    assert events(result.stdout)[-1]["event"] == "done"
    assert {request["authorization"] for request in hub.requests} == {"Bearer hf_ok"}


@pytest.mark.parametrize("version", CLIENTS)
def test_an_unreachable_hub_is_named(hub, tmp_path, version):
    env = job_env(hub, tmp_path / "hub", MODEL_ID="org/tiny-model")
    env["HF_ENDPOINT"] = "http://127.0.0.1:9"  # discard port: nothing listens
    result = run(version, env)
    assert result.returncode == 1
    last = events(result.stdout)[-1]
    assert (last["event"], last["id"]) == ("error", "hub-unreachable")
    assert "127.0.0.1:9" in last["message"]


@pytest.mark.parametrize("version", CLIENTS)
def test_a_killed_download_completes_on_the_next_run(hub, tmp_path, version):
    """A re-run of the Job continues: 0.x clients resume the partial file with Range."""
    cache_dir = tmp_path / "hub"
    env = job_env(hub, cache_dir, MODEL_ID="org/big-model")
    hub.stall = ("model.safetensors", 11 * MIB)
    process = subprocess.Popen(
        [python_of(version), "-c", SCRIPT],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    blobs = cache_dir / "models--org--big-model" / "blobs"
    deadline = time.monotonic() + 60
    partial = []
    while time.monotonic() < deadline and not partial:
        partial = [
            path
            for path in (blobs.glob("*.incomplete") if blobs.exists() else [])
            if path.stat().st_size >= 10 * MIB
        ]
        time.sleep(0.05)
    assert partial, "the first run never wrote 10 MiB"
    process.send_signal(signal.SIGKILL)
    first_stdout, _ = process.communicate(timeout=30)
    hub.release.set()
    assert events(first_stdout)[0]["event"] == "start"

    hub.stall = None
    hub.requests.clear()
    result = run(version, env)
    assert result.returncode == 0, result.stderr
    done = events(result.stdout)[-1]
    assert done["event"] == "done"
    data = hub.repos["org/big-model"].files["model.safetensors"]
    snapshot = cache_dir / "models--org--big-model" / "snapshots" / COMMIT
    assert (snapshot / "model.safetensors").read_bytes() == data
    ranges = [r["range"] for r in hub.requests if r["method"] == "GET" and r["range"]]
    if version.startswith("0."):
        assert ranges and int(ranges[0].split("=")[1].rstrip("-")) >= 10 * MIB
    if version == CLIENTS[0]:
        save_fixture("killed-first-run", first_stdout, cache_dir, hub)
        save_fixture("resumed", result.stdout, cache_dir, hub)
    assert fixture_events("resumed")[-1]["event"] == "done"


def test_the_cache_script_lists_and_deletes_models(hub, tmp_path):
    cache_dir = tmp_path / "hub"
    version = CLIENTS[0]
    assert run(version, job_env(hub, cache_dir, MODEL_ID="org/tiny-model")).returncode == 0
    listed = run(version, {"PATH": os.environ["PATH"], "CACHE_DIR": str(cache_dir)}, CACHE_SCRIPT)
    assert listed.returncode == 0, listed.stderr
    (cache,) = events(listed.stdout, "LWS-CACHE ")
    (model,) = cache["models"]
    assert model["repo"] == "org/tiny-model"
    assert model["revisions"] == [{"commit": COMMIT, "refs": ["main"], "files": 4}]
    assert model["sizeOnDisk"] >= 5 * MIB
    assert model["incomplete"] is False
    assert cache["freeBytes"] > 0 and cache["totalBytes"] >= cache["freeBytes"]
    save_fixture("cache-list", listed.stdout, cache_dir, hub)

    env = {"PATH": os.environ["PATH"], "CACHE_DIR": str(cache_dir), "ACTION": "delete"}
    deleted = run(version, {**env, "MODEL_ID": "org/tiny-model"}, CACHE_SCRIPT)
    assert deleted.returncode == 0
    assert events(deleted.stdout, "LWS-CACHE ")[0]["freedBytes"] == model["sizeOnDisk"]
    assert not (cache_dir / "models--org--tiny-model").exists()
    save_fixture("cache-deleted", deleted.stdout, cache_dir, hub)
    empty = run(version, {"PATH": os.environ["PATH"], "CACHE_DIR": str(cache_dir)}, CACHE_SCRIPT)
    assert events(empty.stdout, "LWS-CACHE ")[0]["models"] == []
    save_fixture("cache-list-empty", empty.stdout, cache_dir, hub)
    refused = run(version, {**env, "MODEL_ID": "../etc"}, CACHE_SCRIPT)
    assert refused.returncode == 3
    assert events(refused.stdout, "LWS-CACHE ")[0]["id"] == "bad-input"


MAPPING = """
import errno, json, sys
namespace = {"__name__": "download_model"}
exec(sys.stdin.read(), namespace)
failure_from = namespace["failure_from"]
cases = {
    "disk-full": OSError(errno.ENOSPC, "No space left on device"),
    "not-writable": PermissionError(errno.EACCES, "Permission denied"),
    "download-failed": ValueError("something else"),
}
print(json.dumps({name: failure_from(error).failure_id for name, error in cases.items()}))
"""


@pytest.mark.parametrize("version", CLIENTS)
def test_os_errors_map_to_their_ids(version):
    """A full or read-only volume cannot be made here without root mounts: map them directly."""
    result = subprocess.run(
        [python_of(version), "-c", MAPPING],
        input=SCRIPT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "disk-full": "disk-full",
        "not-writable": "not-writable",
        "download-failed": "download-failed",
    }
