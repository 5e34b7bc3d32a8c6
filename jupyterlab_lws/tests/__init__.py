"""Python tests for jupyterlab_lws."""
