"""Download one Hugging Face repository into the HF cache on a volume: the download Job's script.

It runs inside the engine image (which carries ``huggingface_hub``; 0.25 and later), never on
the notebook server. The TypeScript build embeds this file in the Job (src/model/download.ts),
so the Job and this file cannot drift apart.

Input (environment, as in the guide's Job): ``MODEL_ID``, ``CACHE_DIR`` (``<HF_HOME>/hub``),
``HF_TOKEN`` (optional, from a Secret), ``REVISION`` (default ``main``), ``ALLOW_PATTERNS`` and
``IGNORE_PATTERNS`` (JSON lists of globs), ``HF_ENDPOINT`` (a mirror; read by the client).

Output: besides the client's own messages, one machine-readable line per event, the prefix
``LWS-DOWNLOAD`` then a JSON object: ``start`` (commit, files, bytes), ``progress`` (files and
bytes done), then ``done`` (commit, size on disk) or ``error`` (an id the UI explains, and the
message). The exit code is 0 on success, 3 when retrying cannot help (the Job's
podFailurePolicy stops there), 1 otherwise.
"""

import errno
import json
import os
import sys
import threading
import time
from contextlib import suppress

PREFIX = "LWS-DOWNLOAD"
EXIT_RETRY = 1
EXIT_PERMANENT = 3

# Failures that the same input will hit again: the Job should not retry them.
PERMANENT = {"hf-auth", "model-not-found", "no-matching-files", "bad-input"}


class DownloadFailure(Exception):
    """A failure with an id from the table the UI explains (src/model/downloadProgress.ts)."""

    def __init__(self, failure_id, message):
        super().__init__(message)
        self.failure_id = failure_id


def emit(event, **fields):
    """Print one machine-readable line and flush, so a followed log shows it at once.

    Each line carries its time (Unix seconds), so the UI computes rate and remaining time
    from the log alone, also when it reads the lines long after they were written.
    """
    line = json.dumps(dict(event=event, time=round(time.time(), 3), **fields), sort_keys=True)
    print(f"{PREFIX} {line}", flush=True)


def patterns(name):
    """A JSON list of globs from the environment, or None when unset or empty."""
    text = os.environ.get(name, "").strip()
    if text == "":
        return None
    try:
        value = json.loads(text)
    except ValueError as caught:
        raise DownloadFailure("bad-input", f"{name} is not a JSON list: {caught}") from caught
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DownloadFailure("bad-input", f"{name} must be a JSON list of strings")
    return value or None


def repo_folder(cache_dir, repo_id):
    """The cache folder of a model: ``models--org--name`` (huggingface_hub's layout)."""
    return os.path.join(cache_dir, "models--" + repo_id.replace("/", "--"))


def size_on_disk(folder):
    """Bytes of the files under ``folder``, not following the snapshots' symlinks."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                total += os.lstat(path).st_size
    return total


class Progress:
    """Measures a download by what is on disk, so it works with every client version.

    A finished file is a snapshot entry (the client links it once the blob is complete); the
    file being written is a ``.incomplete`` blob.
    """

    def __init__(self, folder, commit, files):
        self.snapshot = os.path.join(folder, "snapshots", commit)
        self.blobs = os.path.join(folder, "blobs")
        self.files = files  # {relative path: size}

    def measure(self):
        done_files = 0
        done_bytes = 0
        for path, size in self.files.items():
            if os.path.exists(os.path.join(self.snapshot, path)):
                done_files += 1
                done_bytes += size
        if os.path.isdir(self.blobs):
            for name in os.listdir(self.blobs):
                if name.endswith(".incomplete"):
                    # It may be finished and renamed between listdir and getsize.
                    with suppress(OSError):
                        done_bytes += os.path.getsize(os.path.join(self.blobs, name))
        return done_files, done_bytes


def report_progress(progress, total_files, total_bytes, stop, interval):
    last = None
    while True:
        finished = stop.is_set()
        files, done = progress.measure()
        current = (files, min(done, total_bytes))
        if current != last:
            emit(
                "progress",
                files=current[0],
                filesTotal=total_files,
                bytes=current[1],
                bytesTotal=total_bytes,
            )
            last = current
        if finished:
            return
        stop.wait(interval)


def failure_from(caught):
    """Sort an exception of the client (or the OS) into an id the UI explains."""
    from huggingface_hub import errors

    status = getattr(getattr(caught, "response", None), "status_code", None)
    if isinstance(caught, errors.GatedRepoError) or status in (401, 403):
        return DownloadFailure(
            "hf-auth",
            "The Hub refused the token: the model is gated (accept its license on its page "
            f"with the account of the token) or the token is missing or wrong. {caught}",
        )
    not_found = (
        errors.RepositoryNotFoundError,
        errors.RevisionNotFoundError,
        errors.EntryNotFoundError,
    )
    if isinstance(caught, not_found) and not isinstance(caught, errors.LocalEntryNotFoundError):
        return DownloadFailure("model-not-found", f"No such model or revision: {caught}")
    if isinstance(caught, errors.LocalEntryNotFoundError):
        return DownloadFailure(
            "hub-unreachable",
            f"The Hub at {endpoint()} could not be reached (a mirror is set with hfEndpoint). "
            f"{caught}",
        )
    if isinstance(caught, OSError) and caught.errno == errno.ENOSPC:
        return DownloadFailure("disk-full", f"The volume is full: {caught}")
    if isinstance(caught, OSError) and caught.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return DownloadFailure("not-writable", f"The cache folder is not writable: {caught}")
    if (status is not None and status >= 500) or is_connection_error(caught):
        return DownloadFailure("hub-unreachable", f"The Hub at {endpoint()} failed: {caught}")
    return DownloadFailure("download-failed", f"{type(caught).__name__}: {caught}")


def is_connection_error(caught):
    names = {cls.__name__ for cls in type(caught).__mro__}
    return bool(names & {"ConnectionError", "ConnectError", "Timeout", "TimeoutException"})


def endpoint():
    from huggingface_hub import constants

    return constants.ENDPOINT


def download():
    """Run the download; returns the ``done`` fields or raises DownloadFailure."""
    repo_id = os.environ.get("MODEL_ID", "").strip()
    if repo_id == "":
        raise DownloadFailure("bad-input", "MODEL_ID is empty")
    revision = os.environ.get("REVISION", "").strip() or "main"
    cache_dir = os.environ.get("CACHE_DIR", "").strip() or os.path.join(
        os.environ.get("HF_HOME", "/models"), "hub"
    )
    allow = patterns("ALLOW_PATTERNS")
    ignore = patterns("IGNORE_PATTERNS")
    token = os.environ.get("HF_TOKEN") or None
    interval = float(os.environ.get("PROGRESS_INTERVAL", "2"))

    import huggingface_hub
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.utils import filter_repo_objects

    os.makedirs(cache_dir, exist_ok=True)
    info = HfApi().model_info(repo_id, revision=revision, files_metadata=True, token=token)
    siblings = list(
        filter_repo_objects(
            info.siblings or [],
            allow_patterns=allow,
            ignore_patterns=ignore,
            key=lambda sibling: sibling.rfilename,
        )
    )
    if not siblings:
        raise DownloadFailure(
            "no-matching-files",
            f"No file of {repo_id}@{revision} matches include {allow or []} "
            f"and exclude {ignore or []}",
        )
    files = {sibling.rfilename: sibling.size or 0 for sibling in siblings}
    total_bytes = sum(files.values())
    folder = repo_folder(cache_dir, repo_id)
    emit(
        "start",
        repo=repo_id,
        revision=revision,
        commit=info.sha,
        files=len(files),
        bytes=total_bytes,
        endpoint=endpoint(),
        client=huggingface_hub.__version__,
    )
    stop = threading.Event()
    reporter = threading.Thread(
        target=report_progress,
        args=(Progress(folder, info.sha, files), len(files), total_bytes, stop, interval),
        daemon=True,
    )
    reporter.start()
    try:
        path = snapshot_download(
            repo_id,
            revision=revision,
            cache_dir=cache_dir,
            token=token,
            allow_patterns=allow,
            ignore_patterns=ignore,
        )
    finally:
        stop.set()
        reporter.join()
    commit = os.path.basename(path)
    return {
        "repo": repo_id,
        "revision": revision,
        "commit": commit,
        "files": len(files),
        "bytes": total_bytes,
        "sizeOnDisk": size_on_disk(folder),
        "path": path,
    }


def main():
    try:
        emit("done", **download())
        return 0
    except Exception as caught:  # every failure ends in one explained line
        failure = caught if isinstance(caught, DownloadFailure) else failure_from(caught)
        emit("error", id=failure.failure_id, message=str(failure))
        return EXIT_PERMANENT if failure.failure_id in PERMANENT else EXIT_RETRY


if __name__ == "__main__":
    sys.exit(main())
