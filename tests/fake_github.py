"""A fake GitHub REST API on 127.0.0.1: a pull request's issue comments, paged as GitHub pages them, and pulls."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest


class FakeGitHub(BaseHTTPRequestHandler):
    """Issue comments of one PR, paged as GitHub pages them (at most ``page_cap`` per page, Link: rel=next)."""

    comments: list[dict] = []
    pulls: list[dict] = []
    page_cap = 30
    requests: list[str] = []

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass

    def _reply(self, status: int, payload, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append(f"GET {self.path}")
        url = urlparse(self.path)
        query = parse_qs(url.query)
        if url.path.endswith("/pulls"):  # open pull requests, filtered by head ("owner:branch") as GitHub does
            head = query.get("head", [""])[0].split(":", 1)[-1]
            self._reply(200, [p for p in self.pulls if p["head"] == head and p["state"] == "open"])
            return
        size = min(int(query.get("per_page", ["30"])[0]), self.page_cap)
        page = int(query.get("page", ["1"])[0])
        chunk = self.comments[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(self.comments):
            host = f"http://127.0.0.1:{self.server.server_port}"
            headers["Link"] = f'<{host}{url.path}?per_page={size}&page={page + 1}>; rel="next"'
        self._reply(200, chunk, headers)

    def _body(self) -> dict:
        assert self.headers["Authorization"] == "Bearer test-token"
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def do_POST(self) -> None:  # noqa: N802
        self.requests.append(f"POST {self.path}")
        if self.path.endswith("/pulls"):
            pull = {**self._body(), "number": 1 + len(self.pulls), "state": "open"}
            pull["html_url"] = f"https://github.invalid/pull/{pull['number']}"
            self.pulls.append(pull)
            self._reply(201, pull)
            return
        comment = {
            "id": 1000 + len(self.comments),
            "body": self._body()["body"],
            "user": {"login": "github-actions[bot]"},
        }
        self.comments.append(comment)
        self._reply(201, {**comment, "html_url": f"https://github.invalid/c/{comment['id']}"})

    def do_PATCH(self) -> None:  # noqa: N802
        self.requests.append(f"PATCH {self.path}")
        comment_id = int(self.path.rsplit("/", 1)[1])
        comment = next(c for c in self.comments if c["id"] == comment_id)
        comment["body"] = self._body()["body"]
        self._reply(200, {**comment, "html_url": f"https://github.invalid/c/{comment_id}"})


@pytest.fixture
def fake_github() -> Iterator[tuple[str, type[FakeGitHub]]]:
    handler = type("Handler", (FakeGitHub,), {"comments": [], "requests": [], "pulls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", handler
    finally:
        server.shutdown()
        server.server_close()
