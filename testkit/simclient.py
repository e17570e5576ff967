"""A tiny stdlib HTTP client for tests and benchmarks of the simulator (not used by the server)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

LINK_RE = re.compile(r'<([^>]+)>; rel="(\w+)"')


@dataclass
class Response:
    """Status, lower-cased headers and body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def links(self) -> dict[str, str]:
        """The Link header as {rel: url}."""
        return {rel: url for url, rel in LINK_RE.findall(self.headers.get("link", ""))}


def fetch(
    url: str, token: str | None = None, headers: dict[str, str] | None = None, timeout: float = 10
) -> Response:
    """GET a URL; HTTP errors are returned, not raised."""
    sent = {"Accept": "application/vnd.github+json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=sent)  # noqa: S310 - loopback test client
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
            return Response(
                reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
            )
    except urllib.error.HTTPError as err:
        return Response(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


def fetch_all(url: str, token: str) -> list[Any]:
    """Follow `rel="next"` links and concatenate the pages (lists, or the list inside a wrapper)."""
    items: list[Any] = []
    next_url: str | None = url
    while next_url:
        page = fetch(next_url, token)
        body = page.json()
        if isinstance(body, dict):
            body = next(v for v in body.values() if isinstance(v, list))
        items.extend(body)
        next_url = page.links().get("next")
    return items
