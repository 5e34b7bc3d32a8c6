"""Pytest setup: a Jupyter server with this extension and authentication on."""

import asyncio

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
async def jp_asyncio_loop():
    """Serve on pytest-asyncio's loop, the one that runs the tests (``asyncio_mode = "auto"``).

    pytest-jupyter otherwise makes its own loop for the server, and a server fixture or a
    stand-in upstream started by pytest-asyncio would never be served while a test awaits.
    """
    return asyncio.get_running_loop()


@pytest.fixture
async def jp_serverapp(jp_serverapp):
    """The server under test; the extension's upstream connection pools closed afterwards."""
    yield jp_serverapp
    for key in ("lws_informers", "lws_kube", "lws_endpoints"):
        if key in jp_serverapp.web_app.settings:
            await jp_serverapp.web_app.settings[key].aclose()


@pytest.fixture
def lws_settings():
    """``c.LwsServing`` for the server under test (tests point it at the local cluster)."""
    return {}


@pytest.fixture
def jp_server_config(jp_server_config, lws_settings):
    return {
        "ServerApp": {
            # pytest-jupyter adds the terminals extension unless told; it is not needed here.
            "jpserver_extensions": {"jupyterlab_lws": True, "jupyter_server_terminals": False},
            # Test against a server which requires authentication on all endpoints
            "allow_unauthenticated_access": False,
        },
        "LwsServing": lws_settings,
    }
