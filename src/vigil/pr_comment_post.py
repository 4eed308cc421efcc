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

import re
from dataclasses import dataclass

from vigil.errors import VigilError
from vigil.github_api import GitHubApi

DEFAULT_AUTHOR = "github-actions[bot]"
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 comments: a bound, not a limit anyone reaches
NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


@dataclass(frozen=True)
class Posted:
    """What happened: ``created`` or ``updated``, the comment id and its URL, how many pages were read."""

    action: str
    comment_id: int
    url: str
    pages: int


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
