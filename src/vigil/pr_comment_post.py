"""Create or update the one Vigil comment on a pull request, however many comments it has.

CML's ``comment create --update`` looks for its watermark on the first page of
comments only (30), so on a busy pull request every run added a new comment.
Here the issue-comments API is paged to the end (``Link: rel="next"``, 100 per
page); the comment updated is the last one carrying the watermark *and* written
by the posting identity (``github-actions[bot]`` for ``GITHUB_TOKEN``), so a
comment that quotes the watermark is never overwritten. Standard library only:
this runs on a bare runner and against a fake API on 127.0.0.1 in the tests.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vigil.errors import VigilError

DEFAULT_API = "https://api.github.com"
DEFAULT_AUTHOR = "github-actions[bot]"
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 comments: a bound, not a limit anyone reaches
RETRIES = 3
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class Posted:
    """What happened: ``created`` or ``updated``, the comment id and its URL, how many pages were read."""

    action: str
    comment_id: int
    url: str
    pages: int


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
            "User-Agent": "vigil-pr-comment",
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


def find_comment(api: GitHubApi, repository: str, number: int, watermark: str, author: str) -> tuple[int | None, int]:
    """The id of the last comment by ``author`` that holds ``watermark`` (None if there is none), and pages read."""
    url: str | None = f"/repos/{repository}/issues/{number}/comments?per_page={PER_PAGE}"
    found: int | None = None
    pages = 0
    while url and pages < MAX_PAGES:
        comments, headers = api.request("GET", url)
        pages += 1
        for comment in comments or []:
            if watermark in (comment.get("body") or "") and (comment.get("user") or {}).get("login") == author:
                found = int(comment["id"])
        match = NEXT_LINK.search(headers.get("Link") or headers.get("link") or "")
        url = match.group(1) if match else None
    return found, pages


def post_comment(
    api: GitHubApi, repository: str, number: int, body: str, watermark: str, author: str = DEFAULT_AUTHOR
) -> Posted:
    """Update this run's earlier comment in place, or create it when there is none."""
    if watermark not in body:
        raise VigilError(f"the comment body lacks its watermark {watermark!r}: later runs could not find it")
    comment_id, pages = find_comment(api, repository, number, watermark, author)
    if comment_id is None:
        created, _ = api.request("POST", f"/repos/{repository}/issues/{number}/comments", {"body": body})
        return Posted("created", int(created["id"]), str(created.get("html_url", "")), pages)
    updated, _ = api.request("PATCH", f"/repos/{repository}/issues/comments/{comment_id}", {"body": body})
    return Posted("updated", comment_id, str(updated.get("html_url", "")), pages)
