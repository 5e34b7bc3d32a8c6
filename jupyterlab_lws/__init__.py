"""jupyterlab-lws: deploy and watch multi-node LLM serving on LeaderWorkerSets from JupyterLab."""

try:
    from ._version import __version__
except ImportError:
    # Fallback when using the package in dev mode without installing
    # in editable mode with pip. It is highly recommended to install
    # the package from a stable release or in editable mode: https://pip.pypa.io/en/stable/topics/local-project-installs/#editable-installs
    import warnings

    warnings.warn("Importing 'jupyterlab_lws' outside a proper installation.", stacklevel=1)
    __version__ = "dev"

from .config import LwsServing, NotInClusterError
from .endpoint_client import EndpointClient, ServiceLookup
from .informers import Informers
from .kube_client import KubeClient
from .routes import setup_route_handlers

__all__ = ["LwsServing", "__version__"]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-lws"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_lws"}]


def _load_jupyter_server_extension(server_app):
    """Register the ``lws/api/*`` routes with their settings (``c.LwsServing.*``) and clients.

    Parameters
    ----------
    server_app: jupyter_server.serverapp.ServerApp
        The Jupyter server application.
    """
    settings = LwsServing(config=server_app.config)
    kube = KubeClient(settings)
    server_app.web_app.settings.update(
        lws_serving=settings,
        lws_kube=kube,
        lws_endpoints=EndpointClient(settings),
        lws_services=ServiceLookup(kube),
        lws_informers=Informers(kube, settings),
    )
    setup_route_handlers(server_app.web_app)
    try:
        where = f"namespace {kube.namespace} on {settings.resolve_api_server()}"
    except NotInClusterError as error:
        # Not fatal: JupyterLab still starts, and the context route explains what is missing.
        server_app.log.warning("jupyterlab_lws: no Kubernetes configuration: %s", error)
    else:
        server_app.log.info("Registered jupyterlab_lws server extension (%s)", where)
