"""The chat proxy against a direct connection to the same engine, measured in the same run.

Two engines, each behind a real Service of the local cluster whose port is the engine's (the
proxy refuses a Service that does not exist), reached by a Jupyter server started here with
``LwsServing.endpoint_url_template=http://127.0.0.1:{port}``, as the tests do:

- **real**: the test engine (llama-cpp-python serving ``tiny-chat``, ``scripts/engine/engine.sh``)
  on its own port, started here when it does not answer. Alternating direct and proxied streams
  of the same prompt (temperature 0, same seed and max_tokens): time to first token, total
  time, the gaps between chunks as they arrive; then 128 concurrent proxied streams whose
  content must equal the direct answer's. The engine generates one stream at a time, so these
  128 are concurrent connections, not concurrent generation.
- **synthetic**: a small SSE server written here (a child process), which stamps every chunk
  with the time it wrote it (``CLOCK_MONOTONIC``, shared by all processes of the machine) and a
  sequence number. It gives the one-way latency of each chunk, direct and proxied, so the
  difference is the proxy's added latency per chunk; and 128 truly concurrent streams whose
  chunks are checked for loss and order.

The Jupyter server's CPU time (``/proc/<pid>/stat``) is read around the concurrent runs and given
per 1,000 chunks relayed, beside what the synthetic server spent producing them.

usage: python3 bench/chat_proxy.py [--runs 10] [--streams 128]
Needs the local cluster (bash scripts/cluster/cluster.sh up) and the test engine's build
(bash scripts/setup.sh). Linux only (/proc). The machine is shared: compare ratios, not times.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RUN = Path(os.environ.get("LWS_CLUSTER_RUN", Path.home() / ".cache/jupyterlab-lws/run"))
ENGINE_SCRIPT = ROOT / "scripts" / "engine" / "engine.sh"
ENGINE_PORT = int(os.environ.get("LWS_BENCH_ENGINE_PORT", "18090"))
"""Not the tests' 18080: a Galata or pytest run may start and stop that one meanwhile."""
SYNTHETIC_PORT = int(os.environ.get("LWS_BENCH_SSE_PORT", "18091"))
TOKEN = "bench"  # noqa: S105 (a throwaway local server's token)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def fail(message: str) -> None:
    """Stop the benchmark loudly: a missing cluster or engine is not a result."""
    print(f"chat_proxy.py: {message}", file=sys.stderr)
    sys.exit(1)


# --- the synthetic SSE server (runs as a child process: --serve-synthetic PORT) -------------


async def synthetic_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One HTTP/1.1 request: answer ``chunks`` SSE events ``interval_ms`` apart (from the JSON
    body), each ``{"stream", "seq", "sent"}`` plus an OpenAI-like delta, then ``[DONE]``."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        asked = json.loads(await reader.readexactly(length)) if length else {}
        chunks = int(asked.get("chunks", 100))
        interval = float(asked.get("interval_ms", 10)) / 1000
        stream = str(asked.get("stream", ""))
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        for seq in range(chunks):
            event = {
                "stream": stream,
                "seq": seq,
                "sent": time.monotonic_ns(),
                "choices": [{"index": 0, "delta": {"content": f" t{seq}"}}],
            }
            data = f"data: {json.dumps(event)}\n\n".encode()
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()
            await asyncio.sleep(interval)
        done = b"data: [DONE]\n\n"
        writer.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def serve_synthetic(port: int) -> None:
    server = await asyncio.start_server(synthetic_stream, "127.0.0.1", port, backlog=512)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


# --- the client side ------------------------------------------------------------------------


@dataclass
class Stream:
    """One streamed answer as it arrived: every SSE event with its arrival time (ns)."""

    started: int
    events: list[tuple[int, bytes]] = field(default_factory=list)
    status: int = 0

    def data(self) -> list[tuple[int, dict]]:
        """The ``data:`` events as JSON, ``[DONE]`` and SSE comments left out."""
        out = []
        for arrived, event in self.events:
            text = event.decode()
            if text.startswith("data: ") and text != "data: [DONE]":
                out.append((arrived, json.loads(text[len("data: ") :])))
        return out

    def content(self) -> str:
        return "".join(
            (choice.get("delta") or {}).get("content") or ""
            for _, chunk in self.data()
            for choice in chunk.get("choices", [])
        )

    def first_token_ns(self) -> int:
        for arrived, chunk in self.data():
            if any((c.get("delta") or {}).get("content") for c in chunk.get("choices", [])):
                return arrived - self.started
        raise RuntimeError("no content in the stream")

    def total_ns(self) -> int:
        return self.events[-1][0] - self.started

    def gaps_ns(self) -> list[int]:
        times = [arrived for arrived, _ in self.data()]
        return [b - a for a, b in itertools.pairwise(times)]


async def read_stream(client: httpx.AsyncClient, url: str, body: dict, headers: dict) -> Stream:
    """POST ``body`` and split the answer into SSE events, each stamped when its end arrived."""
    stream = Stream(started=time.monotonic_ns())
    async with client.stream("POST", url, json=body, headers=headers) as response:
        stream.status = response.status_code
        buffer = b""
        async for chunk in response.aiter_raw():
            arrived = time.monotonic_ns()
            buffer += chunk.replace(b"\r\n", b"\n")
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                if not event.startswith(b":"):  # the proxy's keep-alive comment
                    stream.events.append((arrived, event))
    if stream.status != 200:
        raise RuntimeError(f"{url} answered {stream.status}")
    return stream


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(ns: float) -> str:
    return f"{ns / 1e6:.3f} ms"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


# --- set-up: cluster, Services, engines, Jupyter ---------------------------------------------


class Cluster:
    def __init__(self) -> None:
        path = RUN / "cluster.json"
        if not path.is_file():
            fail(f"no local cluster ({path} is missing): bash scripts/cluster/cluster.sh up")
        self.info = json.loads(path.read_text())
        try:
            socket.create_connection((self.info["host"], self.info["port"]), timeout=5).close()
        except OSError as error:
            fail(f"the local cluster's API server does not answer ({error})")
        self.namespace = self.info["accounts"]["editor"]["namespace"]

    def kubectl(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(  # noqa: S603 (our own argv)
            [self.info["kubectl"], "--kubeconfig", self.info["adminKubeconfig"], *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            fail(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def make_service(self, name: str, port: int) -> None:
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": {"jupyterlab-lws.io/bench": "chat-proxy"}},
            "spec": {"selector": {"app": name}, "ports": [{"port": port, "targetPort": port}]},
        }
        self.kubectl("apply", "-n", self.namespace, "-f", "-", stdin=json.dumps(service))

    def delete_services(self, names: list[str]) -> None:
        self.kubectl("delete", "service", *names, "-n", self.namespace, "--ignore-not-found")


def engine(command: str) -> int:
    env = {**os.environ, "LWS_ENGINE_PORT": str(ENGINE_PORT)}
    return subprocess.run(  # noqa: S603 (our own argv)
        ["/bin/bash", str(ENGINE_SCRIPT), command], env=env, check=False, timeout=120
    ).returncode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_jupyter(cluster: Cluster, root: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    account = cluster.info["accounts"]["editor"]
    server = subprocess.Popen(  # noqa: S603 (our own argv)
        [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--port={port}",
            "--port-retries=0",
            "--no-browser",
            "--allow-root",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            f"--LwsServing.service_account_dir={account['dir']}",
            f"--LwsServing.api_server={cluster.info['server']}",
            "--LwsServing.endpoint_url_template=http://127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/api/status", headers={"Authorization": f"token {TOKEN}"})
            return server, base
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    fail("the Jupyter server did not answer within 60 s")
    raise AssertionError  # unreachable


# --- the measurements -----------------------------------------------------------------------


async def real_engine(client, direct: str, proxied: str, auth: dict, args, pid: int) -> None:
    prompt = {
        "model": "tiny-chat",
        "messages": [{"role": "user", "content": "Say something about multi-node serving."}],
        "max_tokens": args.max_tokens,
        "temperature": 0,
        "seed": 1,
        "stream": True,
    }
    await read_stream(client, direct, prompt, {})  # warm-up: prompt cache, Service lookup
    await read_stream(client, proxied, prompt, auth)
    runs: dict[str, list[Stream]] = {"direct": [], "proxied": []}
    for _ in range(args.runs):
        runs["direct"].append(await read_stream(client, direct, prompt, {}))
        runs["proxied"].append(await read_stream(client, proxied, prompt, auth))
    reference = runs["direct"][0].content()
    same = all(s.content() == reference for side in runs.values() for s in side)
    chunks = len(runs["direct"][0].data())
    print(
        f"real engine (llama-cpp-python, tiny-chat), {args.runs} alternating streams each, "
        f"max_tokens {args.max_tokens} ({chunks} chunks), same content every time: {same}"
    )
    print("  (TTFT and total: median of the runs; gaps between chunks: all runs pooled)")
    values = {}
    gaps = {side: [g for s in streams for g in s.gaps_ns()] for side, streams in runs.items()}
    for name, pick in (
        ("TTFT", lambda side: statistics.median(s.first_token_ns() for s in runs[side])),
        ("total", lambda side: statistics.median(s.total_ns() for s in runs[side])),
        ("gap p50", lambda side: quantile(gaps[side], 0.5)),
        ("gap p99", lambda side: quantile(gaps[side], 0.99)),
    ):
        d, p = pick("direct"), pick("proxied")
        values[name] = (d, p)
        print(
            f"  {name:8} direct {ms(d):>11}  proxied {ms(p):>11}  ratio {p / d:.3f}  (+{ms(p - d)})"
        )
    d_total, p_total = values["total"]
    print(f"  added per chunk (total time / chunks): +{ms((p_total - d_total) / chunks)}")

    # Concurrent connections: the engine answers them one at a time, in any order.
    before = cpu_seconds(pid)
    streams = await asyncio.gather(
        *(read_stream(client, proxied, prompt, auth) for _ in range(args.streams))
    )
    cpu = cpu_seconds(pid) - before
    relayed = sum(len(s.events) for s in streams)
    differ = sum(s.content() != reference for s in streams)
    short = sum(len(s.data()) != chunks for s in streams)
    print(
        f"  {args.streams} concurrent proxied streams: {relayed} chunks, "
        f"{differ} with other content than the direct answer, {short} with a different "
        f"chunk count; Jupyter server CPU {cpu * 1000 / relayed * 1000:.0f} ms per 1,000 chunks"
    )


async def synthetic(client, direct: str, proxied: str, auth: dict, args, pids: dict) -> None:
    def ask(stream: str, chunks: int, interval_ms: float) -> dict:
        return {"stream": stream, "chunks": chunks, "interval_ms": interval_ms}

    def one_way(streams: list[Stream]) -> list[int]:
        return [arrived - chunk["sent"] for s in streams for arrived, chunk in s.data()]

    await read_stream(client, direct, ask("w", 5, 1), {})
    await read_stream(client, proxied, ask("w", 5, 1), auth)
    single: dict[str, list[Stream]] = {"direct": [], "proxied": []}
    for run in range(args.runs):
        single["direct"].append(await read_stream(client, direct, ask(f"d{run}", 200, 5), {}))
        single["proxied"].append(await read_stream(client, proxied, ask(f"p{run}", 200, 5), auth))
    print(
        f"synthetic SSE server, {args.runs} alternating single streams of 200 chunks 5 ms apart: "
        "one-way latency per chunk (written -> read by the client)"
    )
    first = {
        side: statistics.median(s.events[0][0] - s.started for s in streams)
        for side, streams in single.items()
    }
    print(
        f"  first chunk (request sent -> first chunk read), median: direct {ms(first['direct'])}"
        f"  proxied {ms(first['proxied'])}  (+{ms(first['proxied'] - first['direct'])})"
    )
    direct_lat, proxied_lat = one_way(single["direct"]), one_way(single["proxied"])
    for q, label in ((0.5, "p50"), (0.99, "p99")):
        d, p = quantile(direct_lat, q), quantile(proxied_lat, q)
        print(f"  {label} direct {ms(d):>10}  proxied {ms(p):>10}  added +{ms(p - d)}")

    chunks = 100
    print(f"synthetic SSE server, {args.streams} concurrent streams of {chunks} chunks 10 ms apart")
    for side, url, headers in (("direct", direct, {}), ("proxied", proxied, auth)):
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        streams = await asyncio.gather(
            *(
                read_stream(client, url, ask(f"{side}-{i}", chunks, 10), headers)
                for i in range(args.streams)
            )
        )
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        lost = reordered = foreign = 0
        for i, stream in enumerate(streams):
            seqs = [chunk["seq"] for _, chunk in stream.data()]
            lost += chunks - len(set(seqs))
            reordered += sum(b != a + 1 for a, b in itertools.pairwise(seqs))
            foreign += sum(chunk["stream"] != f"{side}-{i}" for _, chunk in stream.data())
        latencies = one_way(streams)
        relayed = sum(len(s.data()) for s in streams)
        line = (
            f"  {side:8} one-way p50 {ms(quantile(latencies, 0.5)):>10}  "
            f"p99 {ms(quantile(latencies, 0.99)):>10}  {relayed} chunks: {lost} lost, "
            f"{reordered} out of order, {foreign} from another stream"
        )
        if side == "proxied":
            per = {name: seconds * 1000 / relayed * 1000 for name, seconds in cpu.items()}
            line += (
                f"; CPU per 1,000 chunks: Jupyter server {per['jupyter']:.0f} ms, "
                f"the SSE server producing them {per['sse']:.0f} ms "
                f"(ratio {per['jupyter'] / per['sse']:.2f})"
            )
        print(line)


async def measure(args, base: str, services: dict, pids: dict) -> None:
    auth = {"Authorization": f"token {TOKEN}"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(timeout=600, limits=limits, trust_env=False) as client:
        # The floor of any request to this Jupyter server: what part of a proxied TTFT is
        # Jupyter's own request handling (authentication, routing) rather than the relay.
        floor = []
        for _ in range(20):
            started = time.monotonic_ns()
            (await client.get(f"{base}/api/status", headers=auth)).raise_for_status()
            floor.append(time.monotonic_ns() - started)
        print(
            f"Jupyter server round trip (GET /api/status, median of 20): {ms(quantile(floor, 0.5))}"
        )
        if not args.synthetic_only:
            await real_engine(
                client,
                f"http://127.0.0.1:{ENGINE_PORT}/v1/chat/completions",
                f"{base}/lws/api/endpoints/{services['real']}/{ENGINE_PORT}/v1/chat/completions",
                auth,
                args,
                pids["jupyter"],
            )
        await synthetic(
            client,
            f"http://127.0.0.1:{SYNTHETIC_PORT}/v1/chat/completions",
            f"{base}/lws/api/endpoints/{services['sse']}/{SYNTHETIC_PORT}/v1/chat/completions",
            auth,
            args,
            pids,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--streams", type=int, default=128)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--synthetic-only", action="store_true")
    parser.add_argument("--serve-synthetic", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_synthetic:
        asyncio.run(serve_synthetic(args.serve_synthetic))
        return

    cluster = Cluster()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"chat proxy benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )
    started_engine = False
    if not args.synthetic_only and engine("status") != 0:
        if engine("start") != 0:
            fail(f"the test engine did not start on 127.0.0.1:{ENGINE_PORT} (engine.sh start)")
        started_engine = True
    suffix = uuid.uuid4().hex[:6]
    services = {"real": f"bench-engine-{suffix}", "sse": f"bench-sse-{suffix}"}
    sse = subprocess.Popen(  # noqa: S603 (our own argv)
        [sys.executable, __file__, "--serve-synthetic", str(SYNTHETIC_PORT)],
        stdout=subprocess.PIPE,
        text=True,
    )
    jupyter = None
    try:
        if sse.stdout is None or sse.stdout.readline().strip() != "listening":
            fail(f"the synthetic SSE server did not start on 127.0.0.1:{SYNTHETIC_PORT}")
        cluster.make_service(services["real"], ENGINE_PORT)
        cluster.make_service(services["sse"], SYNTHETIC_PORT)
        with tempfile.TemporaryDirectory() as root:
            jupyter, base = start_jupyter(cluster, root)
            asyncio.run(measure(args, base, services, {"jupyter": jupyter.pid, "sse": sse.pid}))
    finally:
        if jupyter is not None:
            jupyter.terminate()
            jupyter.wait(timeout=30)
        sse.terminate()
        sse.wait(timeout=10)
        cluster.delete_services(list(services.values()))
        if started_engine:
            engine("stop")


if __name__ == "__main__":
    main()
