"""One request → one archived event: conditional GETs, 304s, error events, run counters.

`Fetcher.fetch` sends a `Req` (path template + params + query), archives the answer as an event
whose `request` carries the template, params, query, page and credential id (never the token), and
returns a `Page` with the body's `Summary` and the next-page URL. A 304 is archived bodiless with
`refs.not_modified_of` naming the stored 200, and its summary and next link are that 200's. A
request that fails after retries is archived as an error event and the `RequestError` re-raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import orjson

from archive import ArchiveWriter, Event
from ingest.client import Downloader, GitHubClient, utc_stamp
from ingest.errors import Interrupted, RequestError
from ingest.paginate import next_url
from ingest.plan import EtagEntry, PlanIndex
from ingest.response import HttpResponse
from ingest.summaries import EMPTY, Summary, summarize

RefsHook = Callable[[Summary, str | None], dict[str, Any]]
"""Computes body-dependent refs (e.g. walk_complete) from a page's summary and next URL."""


@dataclass(frozen=True, slots=True)
class Req:
    """What to ask: the endpoint's path template, its parameters and the first page's query."""

    kind: str
    path: str
    params: Mapping[str, str | int]
    query: Mapping[str, str] = field(default_factory=dict)
    org: str | None = None
    repo: str | None = None

    def url(self, api_url: str) -> str:
        """The absolute URL of the first page (stable parameter order, so ETags match)."""
        path = self.path
        for key, value in self.params.items():
            path = path.replace("{" + key + "}", quote(str(value), safe=""))
        query = urlencode(list(self.query.items()), safe=":,")
        return f"{api_url}{path}?{query}" if query else f"{api_url}{path}"


@dataclass(frozen=True, slots=True)
class Page:
    """One archived answer, ready for the walker."""

    event: Event
    response: HttpResponse
    summary: Summary
    next_url: str | None
    not_modified: bool

    def json(self) -> Any:
        """The decoded body (None for a 304 or an empty body)."""
        return None if self.not_modified else self.response.json()


@dataclass
class RunStats:
    """Per-run counters written into run.finished."""

    events: int = 0
    bytes_stored: int = 0
    collected: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    warnings: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_error(self, message: str) -> None:
        """Count an error; keep each distinct message once."""
        with self._lock:
            self.error_count += 1
            if message not in self.errors:
                self.errors.append(message)

    def add_warning(self, message: str) -> None:
        """Keep each distinct warning once."""
        with self._lock:
            if message not in self.warnings:
                self.warnings.append(message)


class Recorder:
    """Appends events for one enterprise run through a writer shared between threads."""

    def __init__(
        self,
        writer: ArchiveWriter,
        lock: threading.Lock,
        run_id: str,
        enterprise_id: str,
        stats: RunStats,
    ) -> None:
        self.writer = writer
        self.lock = lock
        self.run_id = run_id
        self.enterprise_id = enterprise_id
        self.stats = stats
        self.cancel = threading.Event()

    def append(
        self,
        *,
        kind: str,
        fetched_at: str,
        org: str | None,
        repo: str | None,
        request: dict[str, Any],
        response: dict[str, Any],
        body: bytes | None,
        refs: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> Event:
        """Append one event and count it."""
        with self.lock:
            event = self.writer.append(
                kind=kind,
                run_id=self.run_id,
                fetched_at=fetched_at,
                enterprise_id=self.enterprise_id,
                org=org,
                repo=repo,
                request=request,
                response=response,
                body=body,
                refs=refs or {},
                error=error,
            )
        with self.stats._lock:
            self.stats.events += 1
            self.stats.bytes_stored += event.body_size
            if error is None:
                self.stats.collected += 1
        return event


def query_of(url: str) -> dict[str, str]:
    """The query parameters of a URL as a dict of strings."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _error_dict(exc: RequestError) -> dict[str, Any]:
    return {"type": exc.error_type, "message": exc.message, "status": exc.status}


def _response_dict(resp: HttpResponse | None) -> dict[str, Any]:
    if resp is None:
        return {"status": None, "headers": {}, "elapsed_ms": None}
    return {"status": resp.status, "headers": resp.headers, "elapsed_ms": resp.elapsed_ms}


class Fetcher:
    """Sends requests for one enterprise and archives every answer."""

    def __init__(self, client: GitHubClient, recorder: Recorder, index: PlanIndex) -> None:
        self.client = client
        self.recorder = recorder
        self.index = index

    def fetch(
        self,
        req: Req,
        *,
        url: str | None = None,
        page: int | None = None,
        ok_statuses: Collection[int] = (),
        refs: dict[str, Any] | None = None,
        refs_hook: RefsHook | None = None,
        client: GitHubClient | None = None,
        conditional: bool = True,
    ) -> Page:
        """GET (conditionally), archive the answer, return it; error events re-raise."""
        if self.recorder.cancel.is_set():
            raise Interrupted
        cl = client or self.client
        target = url or req.url(cl.api_url)
        key = (target, cl.credential)
        known = self.index.etags.get(key) if conditional else None
        base_refs = dict(refs or {})
        try:
            resp = cl.get(
                target,
                endpoint=req.path,
                etag=known.etag if known else None,
                ok_statuses=ok_statuses,
            )
        except RequestError as exc:
            self._record_error(req, url=target, page=page, cl=cl, exc=exc, refs=base_refs)
            raise
        request = self._request_dict(req, target, page, cl, resp.request_headers)
        if resp.status == 304 and known is not None:
            summary = known.summary
            nxt = next_url(resp.headers.get("link")) or known.next_url
            base_refs["not_modified_of"] = known.event_id
        else:
            body_json = _safe_json(resp.body) if resp.status == 200 else None
            summary = summarize(req.kind, body_json) if body_json is not None else EMPTY
            nxt = next_url(resp.headers.get("link")) if resp.status == 200 else None
        if refs_hook is not None:
            base_refs.update(refs_hook(summary, nxt))
        event = self.recorder.append(
            kind=req.kind,
            fetched_at=resp.fetched_at,
            org=req.org,
            repo=req.repo,
            request=request,
            response=_response_dict(resp),
            body=None if resp.status == 304 else resp.body,
            refs=base_refs,
        )
        etag = resp.headers.get("etag")
        if resp.status == 200 and etag:
            self.index.etags[key] = EtagEntry(etag, event.event_id, nxt, summary)
        return Page(event, resp, summary, nxt, resp.status == 304)

    def _request_dict(
        self,
        req: Req,
        url: str,
        page: int | None,
        cl: GitHubClient,
        headers: Mapping[str, str],
    ) -> dict[str, Any]:
        return {
            "method": "GET",
            "url": url,
            "path": req.path,
            "params": dict(req.params),
            "query": query_of(url),
            "headers": {
                k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")
            },
            "api_version": cl.api_version,
            "page": page,
            "credential": cl.credential,
        }

    def _record_error(
        self,
        req: Req,
        *,
        url: str,
        page: int | None,
        cl: GitHubClient,
        exc: RequestError,
        refs: dict[str, Any],
    ) -> None:
        resp: HttpResponse | None = exc.response
        planned = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": cl.api_version,
        }
        self.recorder.append(
            kind=req.kind,
            fetched_at=resp.fetched_at if resp else utc_stamp(cl.clock()),
            org=req.org,
            repo=req.repo,
            request=self._request_dict(
                req, url, page, cl, resp.request_headers if resp else planned
            ),
            response=_response_dict(resp),
            body=None,
            refs=refs,
            error=_error_dict(exc),
        )

    def download(
        self, downloader: Downloader, url: str, *, kind: str, refs: dict[str, Any]
    ) -> Event:
        """Download a report file (no Authorization) and archive it; errors re-raise."""
        if self.recorder.cancel.is_set():
            raise Interrupted
        request: dict[str, Any] = {
            "method": "GET",
            "url": url,
            "path": "download",
            "params": {},
            "query": query_of(url),
            "headers": {},
            "api_version": None,
            "page": None,
            "credential": None,
        }
        try:
            resp = downloader.get(url)
        except RequestError as exc:
            resp_err: HttpResponse | None = exc.response
            self.recorder.append(
                kind=kind,
                fetched_at=resp_err.fetched_at if resp_err else utc_stamp(downloader.clock()),
                org=refs.get("org"),
                repo=None,
                request=request,
                response=_response_dict(resp_err),
                body=None,
                refs={k: v for k, v in refs.items() if k != "org"},
                error=_error_dict(exc),
            )
            raise
        request["headers"] = dict(resp.request_headers)
        return self.recorder.append(
            kind=kind,
            fetched_at=resp.fetched_at,
            org=refs.get("org"),
            repo=None,
            request=request,
            response=_response_dict(resp),
            body=resp.body,
            refs={k: v for k, v in refs.items() if k != "org"},
        )


def _safe_json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
