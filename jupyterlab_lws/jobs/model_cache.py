"""List or delete the models in the HF cache on a volume: the cache Job's script.

Runs in a short-lived Job (the notebook cannot mount the volume), embedded like
download_model.py. Environment: ``ACTION`` (``list`` or ``delete``), ``CACHE_DIR``
(``<HF_HOME>/hub``), ``MODEL_ID`` (for ``delete``). Prints one line, ``LWS-CACHE`` then JSON:
``{"event": "cache", "models": [...], "freeBytes", "totalBytes"}`` or
``{"event": "deleted", "repo", "freedBytes"}`` or ``{"event": "error", "id", "message"}``.
Standard library only, so any image with Python runs it.
"""

import json
import os
import shutil
import sys

PREFIX = "LWS-CACHE"


def emit(event, **fields):
    print(f"{PREFIX} {json.dumps(dict(event=event, **fields), sort_keys=True)}", flush=True)


def size_on_disk(folder):
    """Bytes of the files under ``folder``, not following the snapshots' symlinks."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                total += os.lstat(path).st_size
    return total


def read_refs(folder):
    """{commit: [ref names]} from ``refs/`` (``main``, ``refs/pr/1`` ...)."""
    refs = {}
    base = os.path.join(folder, "refs")
    for root, _dirs, files in os.walk(base):
        for name in files:
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as handle:
                commit = handle.read().strip()
            refs.setdefault(commit, []).append(os.path.relpath(path, base))
    return refs


def describe(cache_dir, entry):
    folder = os.path.join(cache_dir, entry)
    refs = read_refs(folder)
    snapshots = os.path.join(folder, "snapshots")
    revisions = []
    if os.path.isdir(snapshots):
        for commit in sorted(os.listdir(snapshots)):
            files = sum(
                len(names) for _root, _dirs, names in os.walk(os.path.join(snapshots, commit))
            )
            revisions.append(
                {"commit": commit, "refs": sorted(refs.get(commit, [])), "files": files}
            )
    blobs = os.path.join(folder, "blobs")
    incomplete = os.path.isdir(blobs) and any(
        name.endswith(".incomplete") for name in os.listdir(blobs)
    )
    return {
        "repo": entry[len("models--") :].replace("--", "/"),
        "sizeOnDisk": size_on_disk(folder),
        "revisions": revisions,
        "incomplete": incomplete,
    }


def list_cache(cache_dir):
    models = []
    if os.path.isdir(cache_dir):
        for entry in sorted(os.listdir(cache_dir)):
            if entry.startswith("models--") and os.path.isdir(os.path.join(cache_dir, entry)):
                models.append(describe(cache_dir, entry))
    usage = shutil.disk_usage(cache_dir if os.path.isdir(cache_dir) else os.path.dirname(cache_dir))
    emit("cache", models=models, freeBytes=usage.free, totalBytes=usage.total)


def delete(cache_dir, repo_id):
    # Repo ids never contain "--" or "..", so this name stays inside the cache folder.
    if repo_id == "" or ".." in repo_id or "--" in repo_id or repo_id.startswith("/"):
        emit("error", id="bad-input", message=f"Not a model id: {repo_id!r}")
        return 3
    entry = "models--" + repo_id.replace("/", "--")
    folder = os.path.join(cache_dir, entry)
    if not os.path.isdir(folder):
        emit("error", id="model-not-found", message=f"{repo_id} is not in {cache_dir}")
        return 3
    freed = size_on_disk(folder)
    shutil.rmtree(folder)
    shutil.rmtree(os.path.join(cache_dir, ".locks", entry), ignore_errors=True)
    emit("deleted", repo=repo_id, freedBytes=freed)
    return 0


def main():
    cache_dir = os.environ.get("CACHE_DIR", "").strip() or os.path.join(
        os.environ.get("HF_HOME", "/models"), "hub"
    )
    action = os.environ.get("ACTION", "list")
    try:
        if action == "delete":
            return delete(cache_dir, os.environ.get("MODEL_ID", "").strip())
        list_cache(cache_dir)
        return 0
    except OSError as caught:
        emit("error", id="cache-failed", message=str(caught))
        return 1


if __name__ == "__main__":
    sys.exit(main())
