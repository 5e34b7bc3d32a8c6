"""Settings and service-account files, with temporary files: no server, no cluster."""

import os

import pytest
from traitlets.config import Config

from jupyterlab_lws.config import IN_CLUSTER_SERVICE_ACCOUNT_DIR, LwsServing, NotInClusterError
from jupyterlab_lws.kube_client import TokenFile


def test_defaults_are_the_pod_service_account(monkeypatch):
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    settings = LwsServing()
    assert str(settings.token_path) == f"{IN_CLUSTER_SERVICE_ACCOUNT_DIR}/token"
    assert str(settings.ca_path) == f"{IN_CLUSTER_SERVICE_ACCOUNT_DIR}/ca.crt"
    assert str(settings.namespace_path) == f"{IN_CLUSTER_SERVICE_ACCOUNT_DIR}/namespace"
    assert settings.resolve_api_server() == "https://10.96.0.1:443"
    assert settings.endpoint_url_template == "http://{service}.{namespace}.svc:{port}"
    assert settings.stream_timeout >= 3600


def test_ipv6_service_host_is_bracketed(monkeypatch):
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "fd00::1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    assert LwsServing().resolve_api_server() == "https://[fd00::1]:6443"


def test_every_location_is_configurable(tmp_path):
    (tmp_path / "namespace").write_text("project-user-alice\n")
    config = Config()
    config.LwsServing.service_account_dir = str(tmp_path)
    config.LwsServing.token_file = "/elsewhere/token"
    config.LwsServing.api_server = "https://127.0.0.1:6443/"
    settings = LwsServing(config=config)
    assert settings.token_path.as_posix() == "/elsewhere/token"
    assert settings.ca_path == tmp_path / "ca.crt"
    assert settings.resolve_namespace() == "project-user-alice"
    assert settings.resolve_api_server() == "https://127.0.0.1:6443"
    config.LwsServing.namespace = "override"
    assert LwsServing(config=config).resolve_namespace() == "override"


def test_outside_a_pod_the_errors_say_what_to_set(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    settings = LwsServing(service_account_dir=str(tmp_path / "missing"))
    with pytest.raises(NotInClusterError, match=r"c\.LwsServing\.api_server"):
        settings.resolve_api_server()
    with pytest.raises(NotInClusterError, match=r"c\.LwsServing\.service_account_dir"):
        settings.resolve_namespace()
    with pytest.raises(NotInClusterError, match="service-account token"):
        TokenFile(settings.token_path).read()


def test_token_is_re_read_when_the_file_changes(tmp_path):
    path = tmp_path / "token"
    path.write_text("first\n")
    token = TokenFile(path)
    assert token.read() == "first"
    # The kubelet swaps a symlink to a new file: new inode, new content.
    fresh = tmp_path / "token.new"
    fresh.write_text("second-token")
    os.replace(fresh, path)
    assert token.read() == "second-token"


def test_forced_read_sees_a_change_the_stamp_missed(tmp_path):
    path = tmp_path / "token"
    path.write_text("aaaa")
    token = TokenFile(path)
    assert token.read() == "aaaa"
    stat = path.stat()
    path.write_text("bbbb")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert token.read() == "aaaa"
    assert token.read(force=True) == "bbbb"
