"""Bound service-account tokens rotate: the extension follows the token file, and a 401 from a
stale token makes it re-read the file once and retry. Against the real local cluster, with
tokens bound to a Secret so that deleting the Secret revokes them."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import time
from pathlib import Path

import httpx
import pytest

from .conftest import unique


@pytest.fixture
def sa_dir(tmp_path, account) -> Path:
    """A copy of the editor's service-account folder whose token file the test rewrites."""
    folder = tmp_path / "serviceaccount"
    folder.mkdir()
    for name in ("ca.crt", "namespace"):
        shutil.copy(Path(account["dir"]) / name, folder / name)
    return folder


@pytest.fixture
def lws_settings(cluster, sa_dir):
    return {"service_account_dir": str(sa_dir), "api_server": cluster.server}


@pytest.fixture
def bound_token(cluster, account, namespace):
    """``bound_token()`` -> (token, revoke): a fresh TokenRequest token for default-editor, and
    a coroutine that revokes it (deletes the Secret it is bound to) and waits until it fails."""
    anchors: list[str] = []

    def issue() -> tuple[str, object]:
        anchor = unique("token-anchor")
        cluster.kubectl("create", "secret", "generic", anchor, "-n", namespace)
        anchors.append(anchor)
        token = cluster.kubectl(
            "create", "token", "default-editor", "-n", namespace, "--duration=10m",
            "--bound-object-kind=Secret", f"--bound-object-name={anchor}",
        ).strip()  # fmt: skip

        async def revoke() -> None:
            cluster.kubectl("delete", "secret", anchor, "-n", namespace)
            ca = ssl.create_default_context(cafile=Path(account["dir"]) / "ca.crt")
            url = f"{cluster.server}/api/v1/namespaces/{namespace}/pods"
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(verify=ca, trust_env=False) as direct:
                deadline = time.monotonic() + 20
                while (await direct.get(url, headers=headers)).status_code != 401:
                    assert time.monotonic() < deadline, "the revoked token still works"
                    await asyncio.sleep(0.2)

        return token, revoke

    yield issue
    for anchor in anchors:
        cluster.kubectl("delete", "secret", anchor, "-n", namespace, "--ignore-not-found")


def write_token(folder: Path, token: str) -> None:
    """Replace the token file atomically, as the kubelet does."""
    fresh = folder / "..token.new"
    fresh.write_text(token)
    os.replace(fresh, folder / "token")


async def test_a_rotated_token_file_is_used_at_the_next_request(
    k8s, namespace, sa_dir, bound_token, upstream_calls
):
    first, revoke_first = bound_token()
    write_token(sa_dir, first)
    pods = f"api/v1/namespaces/{namespace}/pods"
    assert (await k8s("GET", pods))[0] == 200

    second, _ = bound_token()
    write_token(sa_dir, second)
    await revoke_first()
    upstream_calls.clear()
    assert (await k8s("GET", pods))[0] == 200
    # The new file was noticed before sending: no 401 round trip.
    assert len(upstream_calls) == 1


async def test_a_401_rereads_the_token_once_and_retries(
    k8s, namespace, sa_dir, bound_token, upstream_calls, jp_serverapp
):
    first, revoke_first = bound_token()
    write_token(sa_dir, first)
    pods = f"api/v1/namespaces/{namespace}/pods"
    assert (await k8s("GET", pods))[0] == 200

    # The file is rotated but the change goes unnoticed (same stamp, e.g. coarse mtimes):
    # the cached token is now revoked, and only the API server's 401 can tell.
    second, _ = bound_token()
    write_token(sa_dir, second)
    token_file = jp_serverapp.web_app.settings["lws_kube"].token
    token_file._stamp = token_file._stat()
    await revoke_first()

    upstream_calls.clear()
    status, body = await k8s("GET", pods)
    assert status == 200, body
    assert len(upstream_calls) == 2  # the 401, then the retry with the re-read token


async def test_a_token_that_stays_invalid_returns_the_401_status(
    k8s, namespace, sa_dir, bound_token, upstream_calls
):
    token, revoke = bound_token()
    write_token(sa_dir, token)
    await revoke()
    upstream_calls.clear()
    status, body = await k8s("GET", f"api/v1/namespaces/{namespace}/pods")
    assert status == 401
    assert body["kind"] == "Status"
    assert len(upstream_calls) == 2  # one retry, not a loop
