"""The GitHub HTTP client: one `requests.Session` per token, retries, pacing, no token leaks.

- Every call has a (connect, read) timeout; TLS verification is always on.
- The Authorization header is added by `_TokenAuth`, and only to requests whose origin is the
  configured API origin; redirects are followed by hand, so a redirect to another host never carries
  the token. Report downloads use `Downloader`, whose session never has a token.
- Calls on one client are serial (GitHub asks for serial requests per token).
- Retries follow `RetryPolicy` through tenacity; sleeping and the clock are injectable.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from ingest import scopes
from ingest.errors import (
    AuthFailed,
    LinkExpired,
    PermissionDenied,
    RequestError,
    RetriesExhausted,
)
from ingest.ratelimit import Clock, RateLimitState, Sleep
from ingest.response import HttpResponse
from ingest.retry import RetryPolicy, Verdict, classify
from ingest.secrets import register_secret, scrub

try:
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("ghmc")
    except PackageNotFoundError:
        __version__ = "0.1.0"
except ImportError:  # pragma: no cover
    __version__ = "0.1.0"

log = logging.getLogger("ghmc.ingest")

USER_AGENT = f"ghmc/{__version__}"
ACCEPT = "application/vnd.github+json"
_MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def credential_id(token: str) -> str:
    """A non-reversible id of a token: first 16 hex of sha256('ghmc-credential:' + token)."""
    return hashlib.sha256(f"ghmc-credential:{token}".encode()).hexdigest()[:16]


def utc_stamp(seconds: float) -> str:
    """ISO-8601 UTC with microseconds and Z."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def origin(url: str) -> tuple[str, str]:
    """(scheme, netloc) of a URL, lower-cased."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@dataclass
class Counters:
    """What one client did: requests sent (every attempt), 304s, charged, bytes."""

    sent: int = 0
    not_modified: int = 0
    charged: int = 0
    bytes_received: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, charged: bool, not_modified: bool, size: int) -> None:
        """Count one answer."""
        with self._lock:
            self.sent += 1
            self.charged += int(charged)
            self.not_modified += int(not_modified)
            self.bytes_received += size


class _Transient(Exception):  # noqa: N818 - internal retry signal
    """A failure worth retrying; `wait` is what GitHub asked for (None: back off)."""

    def __init__(
        self, reason: str, *, wait: float | None = None, secondary: bool = False, status: int | None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.secondary = secondary
        self.status = status
        self.response: HttpResponse | None = None


class _TokenAuth(requests.auth.AuthBase):
    """Adds the token only to requests for the API origin (and suppresses .netrc lookups)."""

    def __init__(self, token: str | None, api_origin: tuple[str, str] | None) -> None:
        self._token = token
        self._origin = api_origin

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.pop("Authorization", None)
        if self._token and self._origin and r.url and origin(r.url) == self._origin:
            r.headers["Authorization"] = f"Bearer {self._token}"
        return r

    def __repr__(self) -> str:
        return "_TokenAuth(***)"


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


class _BaseClient:
    """Shared machinery of the API client and the downloader."""

    def __init__(
        self,
        *,
        session: requests.Session | None,
        auth: _TokenAuth,
        policy: RetryPolicy,
        clock: Clock,
        sleep: Sleep,
        headers: dict[str, str],
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        self.counters = Counters()
        self._session = session or requests.Session()
        self._session.auth = auth
        self._session.headers.clear()
        self._session.headers.update(headers)
        self._session.verify = True
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the session."""
        self._session.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.wait is not None:
            return min(exc.wait, self.policy.reset_max_wait)
        secondary = isinstance(exc, _Transient) and exc.secondary
        return self.policy.backoff(state.attempt_number, secondary=secondary)

    def _before_sleep(self, _state: RetryCallState) -> None:
        with self.counters._lock:
            self.counters.retries += 1

    def _retrying(self) -> Retrying:
        return Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self.sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )

    def _send(self, url: str, headers: dict[str, str]) -> tuple[requests.Response, str]:
        """GET with redirects followed by hand; returns the final response and its URL."""
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                resp = self._session.get(
                    current,
                    headers=headers,
                    allow_redirects=False,
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                )
                _ = resp.content  # read the body inside the try: truncation raises here
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise _Transient(_describe(exc), status=None) from None
            except requests.RequestException as exc:
                raise _Transient(_describe(exc), status=None) from None
            if resp.status_code in _REDIRECTS and resp.headers.get("location"):
                current = urljoin(current, resp.headers["location"])
                continue
            return resp, current
        raise RequestError(f"too many redirects from {url}")

    def _receive(self, url: str, headers: dict[str, str]) -> HttpResponse:
        started = self.clock()
        t0 = time.monotonic()
        resp, final_url = self._send(url, headers)
        body = resp.content
        lower = _lower(resp.headers)
        declared = lower.get("content-length")
        encoded = "content-encoding" in lower
        if declared is not None and not encoded and declared.isdigit():  # noqa: SIM102
            if int(declared) != len(body):
                raise _Transient(
                    f"truncated body ({len(body)} of {declared} bytes)", status=resp.status_code
                )
        elapsed = int((time.monotonic() - t0) * 1000)
        del started
        sent_headers = {
            k: v
            for k, v in resp.request.headers.items()
            if k.lower() not in ("authorization", "cookie")
        }
        return HttpResponse(
            url=final_url,
            status=resp.status_code,
            headers=lower,
            body=body,
            elapsed_ms=elapsed,
            request_headers=sent_headers,
            fetched_at=utc_stamp(self.clock()),
        )


def _describe(exc: BaseException) -> str:
    """A scrubbed one-line description of a driver exception (no headers, no token)."""
    name = type(exc).__name__
    text = scrub(str(exc))
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{name}: {text}"


class _ApiClient(_BaseClient):
    """What the REST and the GraphQL clients share: one token on one API origin, its rate-limit
    state, and GitHub's standard headers (`extra_headers` go after Accept)."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        api_version: str,
        enterprise_id: str,
        credential: str,
        policy: RetryPolicy | None,
        clock: Clock,
        sleep: Sleep,
        session: requests.Session | None,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        register_secret(token)
        self.api_url = api_url.rstrip("/")
        self.api_version = api_version
        self.enterprise_id = enterprise_id
        self.credential = credential
        self.rate = RateLimitState()
        self.on_wait: Callable[[float], None] | None = None
        """Hears of a wait for the rate limit's reset (seconds) before it starts."""
        super().__init__(
            session=session,
            auth=_TokenAuth(token, origin(self.api_url)),
            policy=policy or RetryPolicy(),
            clock=clock,
            sleep=sleep,
            headers={
                "Accept": ACCEPT,
                **(extra_headers or {}),
                "X-GitHub-Api-Version": api_version,
                "User-Agent": USER_AGENT,
            },
        )


class GitHubClient(_ApiClient):
    """Serial, retrying, paced GET client for one token on one API origin."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        api_version: str,
        enterprise_id: str,
        policy: RetryPolicy | None = None,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.warnings: list[str] = []
        self._checked_token = False
        super().__init__(
            api_url=api_url,
            token=token,
            api_version=api_version,
            enterprise_id=enterprise_id,
            credential=credential_id(token),
            policy=policy,
            clock=clock,
            sleep=sleep,
            session=session,
        )

    def _before_sleep(self, state: RetryCallState) -> None:
        super()._before_sleep(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.status in {403, 429} and state.next_action:
            # GitHub refused for a rate limit (primary or secondary): a wait to count and show
            self.rate.record_wait(state.next_action.sleep, secondary=exc.secondary)
            self._waiting(state.next_action.sleep, self.rate.remaining or 0, exc.secondary)

    def _waiting(self, seconds: float, remaining: int, secondary: bool = False) -> None:
        until = time.strftime("%H:%M:%S", time.gmtime(self.clock() + seconds))
        which = "secondary rate limit hit" if secondary else f"rate limit down to {remaining}"
        log.warning(
            "enterprise %s: %s; waiting %.1f min, until %s UTC",
            self.enterprise_id,
            which,
            seconds / 60,
            until,
        )
        if self.on_wait is not None:
            self.on_wait(seconds)

    def url(self, path: str) -> str:
        """Absolute URL of an API path."""
        return f"{self.api_url}{path}"

    def get(
        self,
        url: str,
        *,
        endpoint: str,
        etag: str | None = None,
        ok_statuses: Collection[int] = (),
        expect_json: bool = True,
    ) -> HttpResponse:
        """GET `url` (serially, with retries); raise a RequestError subclass on failure.

        `endpoint` is the path template (for messages). Statuses in `ok_statuses` are returned
        as they are (e.g. 404 "no report that day"). 304 is returned when `etag` matched.
        """
        headers = {"If-None-Match": etag} if etag else {}
        with self._lock:
            try:
                for attempt in self._retrying():
                    with attempt:
                        return self._attempt(url, headers, endpoint, ok_statuses, expect_json)
            except _Transient as exc:
                err = RetriesExhausted(
                    f"enterprise {self.enterprise_id}: {endpoint}: {exc.reason} "
                    f"(gave up after {self.policy.max_attempts} attempts)",
                    status=exc.status,
                    endpoint=endpoint,
                )
                err.response = exc.response
                raise err from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        url: str,
        headers: dict[str, str],
        endpoint: str,
        ok_statuses: Collection[int],
        expect_json: bool,
    ) -> HttpResponse:
        self.rate.pace(
            self.clock,
            self.sleep,
            self.policy.pace_reserve_fraction,
            self.policy.reset_max_wait,
            self._waiting,
        )
        try:
            resp = self._receive(url, headers)
        except _Transient:
            self.counters.add(charged=False, not_modified=False, size=0)
            raise
        on_api = origin(resp.url) == origin(self.api_url)
        self.counters.add(
            charged=on_api and resp.status != 304 and "x-ratelimit-remaining" in resp.headers,
            not_modified=resp.status == 304,
            size=len(resp.body or b""),
        )
        if on_api:
            self.rate.update(resp.headers)
            self._check_token(resp.headers)
        if resp.status == 304 or resp.status in ok_statuses:
            return resp
        verdict = classify(resp.status, resp.headers, resp.body, self.clock())
        if verdict.verdict is Verdict.OK:
            if expect_json and resp.status == 200 and resp.body:
                try:
                    orjson.loads(resp.body)
                except orjson.JSONDecodeError:
                    exc = _Transient("body is not valid JSON", status=resp.status)
                    exc.response = resp
                    raise exc from None
            return resp
        if verdict.verdict is Verdict.RETRY:
            exc = _Transient(
                f"HTTP {resp.status} {verdict.reason}",
                wait=verdict.wait,
                secondary=verdict.secondary,
                status=resp.status,
            )
            exc.response = resp
            raise exc
        raise self._final_error(resp, endpoint, verdict.verdict)

    def _final_error(self, resp: HttpResponse, endpoint: str, verdict: Verdict) -> RequestError:
        where = f"enterprise {self.enterprise_id}: {resp.status} on {endpoint}"
        github_says = _github_message(resp.body)
        if verdict is Verdict.AUTH:
            err: RequestError = AuthFailed(
                f"{where}: the token was refused (invalid, expired or revoked){github_says}; "
                "set a valid token in the environment variable named by token_env",
                status=resp.status,
                endpoint=endpoint,
            )
        elif verdict is Verdict.PERMISSION:
            hint = scopes.probable_missing_scope(endpoint, resp.headers)
            err = PermissionDenied(
                f"{where}: {hint}{github_says}", status=resp.status, endpoint=endpoint
            )
        else:
            err = RequestError(f"{where}{github_says}", status=resp.status, endpoint=endpoint)
        err.response = resp
        return err

    def _check_token(self, headers: dict[str, str]) -> None:
        if self._checked_token:
            return
        self._checked_token = True
        extra = scopes.excess_scopes(headers)
        if extra:
            self.warnings.append(
                f"enterprise {self.enterprise_id}: the token carries scopes ghmc does not need: "
                f"{', '.join(extra)} (ghmc only reads; use a token without them)"
            )
        expiry = scopes.expiry_warning(headers, self.clock())
        if expiry:
            self.warnings.append(f"enterprise {self.enterprise_id}: {expiry}")


def _github_message(body: bytes | None) -> str:
    if not body:
        return ""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return f" (GitHub: {scrub(data['message'])[:200]})"
    return ""


class Downloader(_BaseClient):
    """Downloads signed report files: never sends an Authorization header."""

    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            session=session,
            auth=_TokenAuth(None, None),
            policy=policy or RetryPolicy(),
            clock=clock,
            sleep=sleep,
            headers={"User-Agent": USER_AGENT},
        )

    def get(self, url: str) -> HttpResponse:
        """Download `url`; raise LinkExpired when the signed link is refused."""
        with self._lock:
            try:
                for attempt in self._retrying():
                    with attempt:
                        return self._attempt(url)
            except _Transient as exc:
                raise RetriesExhausted(
                    f"report download: {exc.reason}", status=exc.status, endpoint="download"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, url: str) -> HttpResponse:
        try:
            resp = self._receive(url, {})
        except _Transient:
            self.counters.add(charged=False, not_modified=False, size=0)
            raise
        self.counters.add(charged=False, not_modified=False, size=len(resp.body or b""))
        if resp.status == 200:
            return resp
        if resp.status in (400, 401, 403, 404, 410):
            err = LinkExpired(
                f"report download refused with {resp.status} (link expired or invalid)",
                status=resp.status,
                endpoint="download",
            )
            err.response = resp
            raise err
        verdict = classify(resp.status, resp.headers, resp.body, self.clock())
        exc = _Transient(f"HTTP {resp.status}", wait=verdict.wait, status=resp.status)
        exc.response = resp
        raise exc
