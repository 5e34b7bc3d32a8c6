"""The `jupyterlab-lws` entry point of the wheel: it runs the bundled Node command line, and says
what to do when Node is missing or too old. The bundle is built by `npm run build:prod`
(scripts/setup.sh runs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jupyterlab_lws import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "guide-vllm-70b.yaml"


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ("v20.11.1\n", 20),
        ("v18.0.0", 18),
        ("v23.0.0-nightly2024", 23),
        ("node 20", None),
        ("", None),
    ],
)
def test_node_major_reads_node_version_output(output, major):
    assert cli.node_major(output) == major


def test_without_node_it_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("LWS_NODE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.main(["--help"]) == cli.EXIT_NO_NODE
    message = capsys.readouterr().err
    assert "Node.js was not found on PATH" in message
    assert "LWS_NODE" in message


def test_too_old_node_is_refused(monkeypatch, tmp_path, capsys):
    old_node = tmp_path / "node"
    old_node.write_text("#!/bin/sh\necho v16.20.2\n")
    old_node.chmod(0o755)
    monkeypatch.setenv("LWS_NODE", str(old_node))
    assert cli.main(["--help"]) == cli.EXIT_NO_NODE
    assert "is Node.js v16.20.2; the command line needs Node.js 18" in capsys.readouterr().err


def run_entry_point(*args: str) -> subprocess.CompletedProcess[str]:
    """`jupyterlab-lws ARGS` as pip installs it: `python -m jupyterlab_lws.cli`."""
    env = {k: v for k, v in os.environ.items() if k != "LWS_NODE"}
    return subprocess.run(
        [sys.executable, "-m", "jupyterlab_lws.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_bundle_renders_a_spec_with_the_node_on_path():
    assert shutil.which("node"), "the tests need Node on PATH"
    assert cli.BUNDLE.is_file(), f"{cli.BUNDLE} is missing: run `npm run build:prod`"
    result = run_entry_point("render", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "kind: LeaderWorkerSet" in result.stdout
    assert "kind: Service" in result.stdout


def test_the_command_lines_exit_code_comes_through():
    result = run_entry_point("render", "--no-such-option")
    assert result.returncode == 2, result.stdout + result.stderr
