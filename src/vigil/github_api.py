"""The few GitHub REST calls Vigil makes (PR comments, promotion pull requests), standard library only.

It runs on a bare runner and against a fake API on 127.0.0.1 in the tests;
plain http is refused except for such a local server.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from vigil.errors import VigilError

DEFAULT_API = "https://api.github.com"
RETRIES = 3


class GitHubApi:
    """The few REST calls needed, with a token, JSON bodies and retries on transient failures."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        if not base_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise VigilError(f"{base_url}: the GitHub API must be https (plain http only for a local test server)")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, url: str, body: Mapping[str, Any] | None = None) -> tuple[Any, Mapping[str, str]]:
        """``method url`` -> (decoded JSON, headers); 5xx and connection errors are retried with back-off."""
        full = url if url.startswith("http") else f"{self.base_url}{url}"
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "vigil",
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(RETRIES):
            request = urllib.request.Request(full, data=data, method=method, headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    payload = response.read()
                    return (json.loads(payload) if payload else None), dict(response.headers)
            except urllib.error.HTTPError as exc:
                if exc.code < 500 or attempt == RETRIES - 1:
                    detail = exc.read().decode("utf-8", "replace")[:200]
                    raise VigilError(f"GitHub API {method} {full}: HTTP {exc.code} {detail}") from None
            except urllib.error.URLError as exc:
                if attempt == RETRIES - 1:
                    raise VigilError(f"GitHub API {method} {full}: {exc.reason}") from None
            time.sleep(2**attempt)
        raise AssertionError("unreachable")
