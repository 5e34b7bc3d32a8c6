"""Memory the Jupyter server spends on oversized request bodies sent to the proxy.

Starts a Jupyter server with the extension pointed at the local cluster, then sends, in turn,
requests of a baseline size (4 KiB, a manifest) and of an attack size (50 MB, streamed by the
client so only the server's memory grows), and prints the peak RSS growth of each against the
server's own peak before them, with the status codes. A proxy that reads the body first grows
by about the body's size per request; one that refuses it from its headers does not grow.

usage: python3 bench/body_limit.py [--requests 2]
Needs the local cluster (bash scripts/cluster/cluster.sh up) and the extension installed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RUN = Path(os.environ.get("LWS_CLUSTER_RUN", Path.home() / ".cache/jupyterlab-lws/run"))
TOKEN = "bench"  # noqa: S105 (a throwaway local server's token)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def post(url: str, size: int) -> str:
    def body():
        chunk = b" " * min(size, 1 << 20)
        sent = 0
        while sent < size:
            yield chunk[: size - sent]
            sent += len(chunk)

    headers = {
        "Authorization": f"token {TOKEN}",
        "Content-Type": "application/json",
        "Content-Length": str(size),
    }
    try:
        return str(httpx.post(url, content=body(), headers=headers, timeout=60).status_code)
    except httpx.HTTPError as error:
        return type(error).__name__


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2)
    args = parser.parse_args()
    cluster = json.loads((RUN / "cluster.json").read_text())
    port = free_port()
    with tempfile.TemporaryDirectory() as root:
        server = subprocess.Popen(  # noqa: S603 (our own argv)
            [
                sys.executable,
                "-m",
                "jupyter_server",
                f"--port={port}",
                "--no-browser",
                "--allow-root",
                f"--IdentityProvider.token={TOKEN}",
                f"--ServerApp.root_dir={root}",
                f"--LwsServing.service_account_dir={cluster['accounts']['editor']['dir']}",
                f"--LwsServing.api_server={cluster['server']}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(f"{base}/api/status", headers={"Authorization": f"token {TOKEN}"})
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            url = f"{base}/lws/api/k8s/api/v1/namespaces/{cluster['accounts']['editor']['namespace']}/services"
            start = peak_rss_mb(server.pid)
            baseline = [post(url, 4096) for _ in range(args.requests)]
            after_baseline = peak_rss_mb(server.pid)
            attack = [post(url, 50 * 1024 * 1024) for _ in range(args.requests)]
            after_attack = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    grow_base = after_baseline - start
    grow_attack = after_attack - after_baseline
    print(f"baseline: {args.requests} x 4 KiB   -> {baseline}, peak RSS +{grow_base:.1f} MB")
    print(f"attack:   {args.requests} x 50 MB   -> {attack}, peak RSS +{grow_attack:.1f} MB")
    print(f"ratio of peak RSS after / before the attack: {after_attack / after_baseline:.3f}")


if __name__ == "__main__":
    main()
