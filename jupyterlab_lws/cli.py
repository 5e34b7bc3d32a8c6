"""The `jupyterlab-lws` command for pip users: the Node command line, bundled into the wheel
(`cli.bundle.js`, built by `npm run build:cli:bundle`), run with the Node on PATH.

The rules live once, in the TypeScript model the JupyterLab UI uses; this only finds Node.
Notebook images that run JupyterLab usually carry Node (Kubeflow's install Node 20 or 22);
`LWS_NODE` names another binary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

BUNDLE = Path(__file__).with_name("cli.bundle.js")
# The bundle targets Node 18 (esbuild --target=node18).
MIN_NODE_MAJOR = 18
# The shell's code for "command not found".
EXIT_NO_NODE = 127


def node_major(version_output: str) -> int | None:
    """The major version in `node --version` output ("v20.11.1"), or None if it is not one."""
    match = re.fullmatch(r"v(\d+)\.\d+\.\d+\S*", version_output.strip())
    return int(match.group(1)) if match else None


def find_node() -> tuple[str | None, str | None]:
    """The Node binary to use, or None and the reason no usable one was found."""
    node = os.environ.get("LWS_NODE") or shutil.which("node")
    if node is None:
        return None, (
            "jupyterlab-lws: Node.js was not found on PATH. The command line runs on Node.js "
            f"{MIN_NODE_MAJOR} or newer; install it (for example `conda install nodejs` or "
            "your distribution's nodejs package) or set LWS_NODE to its path. The JupyterLab "
            "extension itself does not need Node."
        )
    try:
        output = subprocess.run(  # noqa: S603 - the user's own Node binary, no shell
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError as error:
        return None, f"jupyterlab-lws: cannot run {node}: {error}"
    major = node_major(output)
    if major is None or major < MIN_NODE_MAJOR:
        found = output.strip() or "no version"
        return None, (
            f"jupyterlab-lws: {node} is Node.js {found}; the command line needs Node.js "
            f"{MIN_NODE_MAJOR} or newer (set LWS_NODE to another binary)."
        )
    return node, None


def main(argv: list[str] | None = None) -> int:
    """Run the bundled command line with the given arguments; its exit code is ours."""
    args = sys.argv[1:] if argv is None else argv
    node, problem = find_node()
    if node is None:
        print(problem, file=sys.stderr)
        return EXIT_NO_NODE
    if not BUNDLE.is_file():
        print(
            f"jupyterlab-lws: {BUNDLE} is missing; this installation was built without the "
            "command line (`npm run build:cli:bundle` makes it).",
            file=sys.stderr,
        )
        return 1
    return subprocess.call([node, str(BUNDLE), *args])  # noqa: S603 - no shell


if __name__ == "__main__":
    sys.exit(main())
