"""Fakes for ingest tests: a requests transport playing GitHub (no sockets)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import requests
from requests.adapters import BaseAdapter
from urllib3.response import HTTPResponse

from testkit.clocks import VirtualClock

TOKEN = "ghp_FAKEtokenVALUE0123456789abcdefSECRET"
API = "https://api.example.test"


@dataclass
class Answer:
    """What a fake route returns."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


Handler = Callable[[str, dict[str, str], dict[str, str]], Answer]
"""handler(path, query, request_headers) -> Answer."""


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    url: str
    headers: dict[str, str]
    status: int


class FakeGitHub(BaseAdapter):
    """A requests adapter answering from routes, with ETags and rate-limit headers."""

    def __init__(self, clock: VirtualClock, limit: int = 5000) -> None:
        super().__init__()
        self.clock = clock
        self.routes: dict[str, Handler] = {}
        self.patterns: list[tuple[re.Pattern[str], Handler]] = []
        self.seen: list[Seen] = []
        self.limit = limit
        self.remaining = limit
        self.reset = clock() + 3600
        self.faults: list[Answer | Exception] = []

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def route_re(self, pattern: str, handler: Handler) -> None:
        self.patterns.append((re.compile(pattern), handler))

    def json_route(self, path: str, body: Any, headers: dict[str, str] | None = None) -> None:
        self.routes[path] = lambda p, q, h: Answer(200, body, dict(headers or {}))

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = str(request.url)
        parts = urlsplit(url)
        headers = {k.lower(): v for k, v in request.headers.items()}
        if self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                self.seen.append(Seen("GET", url, headers, 0))
                raise fault
            return self._respond(request, fault, headers)
        if self.clock() >= self.reset:
            self.remaining, self.reset = self.limit, self.clock() + 3600
        handler = self.routes.get(parts.path)
        if handler is None:
            for pattern, candidate in self.patterns:
                if pattern.fullmatch(parts.path):
                    handler = candidate
                    break
        answer = (
            handler(parts.path, dict(parse_qsl(parts.query)), headers)
            if handler
            else Answer(404, {"message": "Not Found"})
        )
        return self._respond(request, answer, headers)

    def _respond(
        self, request: requests.PreparedRequest, answer: Answer, headers: dict[str, str]
    ) -> requests.Response:
        url = str(request.url)
        body = (
            answer.raw
            if answer.raw is not None
            else (orjson.dumps(answer.body) if answer.body is not None else b"")
        )
        out_headers = {"content-type": "application/json", **answer.headers}
        status = answer.status
        if urlsplit(url).netloc == urlsplit(API).netloc:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if status == 200:
                out_headers.setdefault("etag", etag)
                if headers.get("if-none-match") == out_headers["etag"]:
                    status, body = 304, b""
            if status != 304 and "x-ratelimit-remaining" not in answer.headers:
                if self.remaining <= 0:
                    status, body = 403, b'{"message": "API rate limit exceeded"}'
                else:
                    self.remaining -= 1
            out_headers.setdefault("x-ratelimit-limit", str(self.limit))
            out_headers.setdefault("x-ratelimit-remaining", str(self.remaining))
            out_headers.setdefault("x-ratelimit-reset", str(int(self.reset)))
        if "content-length" not in {k.lower() for k in out_headers}:
            out_headers["content-length"] = str(len(body))
        self.seen.append(Seen("GET", url, headers, status))
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers=out_headers,
            status=status,
            preload_content=False,
            enforce_content_length=False,
        )
        resp = requests.Response()
        resp.status_code = status
        resp.headers = requests.structures.CaseInsensitiveDict(out_headers)
        resp.raw = raw
        resp.url = url
        resp.request = request
        resp.reason = "fake"
        return resp

    def close(self) -> None:
        pass

    def session(self) -> requests.Session:
        s = requests.Session()
        s.mount("https://", self)
        s.mount("http://", self)
        return s


def paged(
    items: list[Any],
    per_page: int,
    path: str,
    query: dict[str, str],
    wrap: Callable[[list[Any]], Any] | None = None,
) -> Answer:
    """Answer one page of `items` with a real Link header."""
    page = int(query.get("page", "1"))
    per = int(query.get("per_page", str(per_page)))
    chunk = items[(page - 1) * per : page * per]
    headers = {}
    if page * per < len(items):
        q = {**query, "page": str(page + 1)}
        qs = "&".join(f"{k}={v}" for k, v in q.items())
        last = {**query, "page": str((len(items) + per - 1) // per)}
        ls = "&".join(f"{k}={v}" for k, v in last.items())
        headers["link"] = f'<{API}{path}?{qs}>; rel="next", <{API}{path}?{ls}>; rel="last"'
    return Answer(200, wrap(chunk) if wrap else chunk, headers)
