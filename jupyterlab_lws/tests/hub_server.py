"""A small Hugging Face Hub-compatible server for tests of the download Job's script.

Why not an existing one: ``olah`` (the closest, a self-hosted mirror) answers 401 instead of 404
for a missing file or revision, ignores tokens (no gated model) and ignores ``Range`` (no
resume), which are exactly what these tests check; ``hf-local-hub`` needs a Go binary it does
not ship. This one serves what ``snapshot_download`` uses (huggingface_hub 0.25 to 2.x):
``GET /api/models/{repo}/revision/{rev}`` and ``HEAD``/``GET /{repo}/resolve/{rev}/{file}`` with
``X-Repo-Commit``, ``ETag``, ``Content-Length`` and ``Range``, and the Hub's error codes.
"""

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

CHUNK = 1 << 20


@dataclass
class Repo:
    """A model repository at one commit; ``token`` set makes it gated."""

    files: dict
    commit: str = "0123456789abcdef0123456789abcdef01234567"
    token: str | None = None

    def etag(self, name):
        return hashlib.sha256(self.files[name]).hexdigest()


@dataclass
class Hub:
    """Repositories by id, the requests seen, and a gate that can hold a file mid-transfer."""

    repos: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    # (file name, bytes sent before waiting for `release`): simulates a stalled transfer.
    stall: tuple | None = None
    release: threading.Event = field(default_factory=threading.Event)
    # Seconds to wait before each 1 MiB chunk: a slow link, so progress has steps to show.
    delay: float = 0.0


API = re.compile(r"^/api/models/(?P<repo>.+?)/(?P<kind>revision|tree)/(?P<rev>[^/]+)$")
RESOLVE = re.compile(r"^/(?P<repo>.+?)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


def make_handler(hub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.route(body=True)

        def do_HEAD(self):
            self.route(body=False)

        def route(self, body):
            path = unquote(urlsplit(self.path).path)
            hub.requests.append(
                {
                    "method": self.command,
                    "path": path,
                    "range": self.headers.get("Range"),
                    "authorization": self.headers.get("Authorization"),
                }
            )
            match = API.match(path) or RESOLVE.match(path)
            if not match:
                return self.error(404, "EntryNotFound")
            repo = hub.repos.get(match["repo"])
            if repo is None:
                return self.error(404, "RepoNotFound")
            if (
                repo.token is not None
                and self.headers.get("Authorization") != f"Bearer {repo.token}"
            ):
                return self.error(401, "GatedRepo", "Access to this model is restricted.")
            if match["rev"] not in ("main", repo.commit):
                return self.error(404, "RevisionNotFound")
            if "file" in match.groupdict():
                return self.file(repo, match["file"], body)
            if match["kind"] == "tree":
                return self.tree(repo)
            return self.info(match["repo"], repo)

        def info(self, repo_id, repo):
            siblings = [
                {
                    "rfilename": name,
                    "size": len(data),
                    "blobId": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
                    "lfs": {"sha256": repo.etag(name), "size": len(data), "pointerSize": 130},
                }
                for name, data in repo.files.items()
            ]
            payload = {
                "_id": repo_id,
                "id": repo_id,
                "modelId": repo_id,
                "sha": repo.commit,
                "private": False,
                "gated": repo.token is not None and "manual",
                "disabled": False,
                "siblings": siblings,
                "tags": [],
            }
            self.send(200, json.dumps(payload).encode(), {"Content-Type": "application/json"})

        def tree(self, repo):
            # huggingface_hub 1.x and later list the files of a commit here (one page).
            entries = [
                {
                    "type": "file",
                    "path": name,
                    "size": len(data),
                    "oid": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
                    "lfs": {"oid": repo.etag(name), "size": len(data), "pointerSize": 130},
                }
                for name, data in repo.files.items()
            ]
            self.send(200, json.dumps(entries).encode(), {"Content-Type": "application/json"})

        def file(self, repo, name, body):
            data = repo.files.get(name)
            if data is None:
                return self.error(404, "EntryNotFound")
            headers = {
                "X-Repo-Commit": repo.commit,
                "ETag": f'"{repo.etag(name)}"',
                "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream",
            }
            start = 0
            ranged = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
            if ranged and body:
                start = int(ranged[1])
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            headers["Content-Length"] = str(len(data) - start)
            self.send_response(206 if start else 200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if body:
                self.stream(name, data, start)

        def stream(self, name, data, start):
            offset = start
            stall_name, stall_at = hub.stall or (None, None)
            while offset < len(data):
                if name == stall_name and start == 0 and offset >= stall_at:
                    hub.release.wait(60)
                    return
                end = min(len(data), offset + CHUNK)
                if name == stall_name and start == 0 and offset < stall_at:
                    end = min(end, stall_at)
                if hub.delay:
                    time.sleep(hub.delay)
                try:
                    self.wfile.write(data[offset:end])
                    self.wfile.flush()
                except OSError:
                    return
                offset = end

        def error(self, status, code, message="Not found"):
            self.send(
                status,
                json.dumps({"error": message}).encode(),
                {
                    "Content-Type": "application/json",
                    "X-Error-Code": code,
                    "X-Error-Message": message,
                },
            )

        def send(self, status, payload, headers):
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

    return Handler


def serve(hub):
    """Start serving ``hub`` on 127.0.0.1; returns (server, base URL). Stop with shutdown()."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(hub))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
