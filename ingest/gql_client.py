"""The GraphQL client: one POST per query to `{api_url}/graphql`, same token, its own budget.

GitHub's GraphQL budget (points an hour) is separate from REST's requests: this client keeps its
own `RateLimitState` from the `x-ratelimit-*` headers of its answers (`x-ratelimit-resource:
graphql`) and paces on it like the REST client, counting and showing every wait. One attempt per
call: what to do with a 502, a timeout or a reset (halve the batch, retry) is the batcher's
decision (`gql_detail`), so `post` raises `GqlTransientError` for those and leaves retrying to it.
Secondary limits (403/429 with the secondary-limit message or `retry-after`) are waited out here
and retried; a 401 is `AuthFailed`, other statuses `RequestError`.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import requests

from ingest.client import _ApiClient, _describe, _Transient
from ingest.errors import AuthFailed, RequestError
from ingest.ratelimit import Clock, Sleep
from ingest.response import HttpResponse
from ingest.retry import RetryPolicy, Verdict, classify

GRAPHQL_PATH = "/graphql"


class GqlTransientError(RequestError):
    """A POST that got no usable answer this time (5xx, timeout, reset, truncated body)."""


class GraphQLClient(_ApiClient):
    """Serial GraphQL POSTs for one token on one API origin."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        api_version: str,
        enterprise_id: str,
        credential: str,
        policy: RetryPolicy | None = None,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.points = 0
        """Points charged so far (the `rateLimit.cost` of every answered query)."""
        self._payload = b""
        super().__init__(
            api_url=api_url,
            token=token,
            api_version=api_version,
            enterprise_id=enterprise_id,
            credential=credential,
            policy=policy,
            clock=clock,
            sleep=sleep,
            session=session,
            extra_headers={"Content-Type": "application/json"},
        )
        self.url = self.api_url + GRAPHQL_PATH

    def _send(self, url: str, headers: dict[str, str]) -> tuple[requests.Response, str]:
        """POST the current payload (no redirects: GitHub never redirects /graphql)."""
        try:
            resp = self._session.post(
                url,
                data=self._payload,
                headers=headers,
                allow_redirects=False,
                timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            )
            _ = resp.content
        except requests.RequestException as exc:
            raise _Transient(_describe(exc), status=None) from None
        return resp, url

    def wait(self, seconds: float, *, secondary: bool) -> None:
        """Wait (counted, shown) before retrying a refused query."""
        if self.on_wait is not None:
            self.on_wait(seconds)
        self.sleep(seconds)
        self.rate.record_wait(seconds, secondary=secondary)

    def post(self, payload: bytes) -> HttpResponse:
        """Send one query body; return the answer (200 with or without `errors`, or other
        statuses as final errors). Raises GqlTransientError, AuthFailed or RequestError."""
        from ingest.client import _Transient  # noqa: PLC0415

        with self._lock:
            for attempt in range(1, self.policy.max_attempts + 1):
                self.rate.pace(
                    self.clock,
                    self.sleep,
                    self.policy.pace_reserve_fraction,
                    self.policy.reset_max_wait,
                    lambda s, _r: self.on_wait(s) if self.on_wait else None,
                )
                self._payload = payload
                try:
                    resp = self._receive(self.url, {})
                except _Transient as exc:
                    self.counters.add(charged=False, not_modified=False, size=0)
                    err = GqlTransientError(
                        f"enterprise {self.enterprise_id}: POST /graphql: {exc.reason}",
                        status=exc.status,
                        endpoint=GRAPHQL_PATH,
                    )
                    err.response = exc.response
                    raise err from None
                self.counters.add(charged=False, not_modified=False, size=len(resp.body or b""))
                self.rate.update(resp.headers)
                verdict = classify(resp.status, resp.headers, resp.body, self.clock())
                if verdict.verdict is Verdict.RETRY and resp.status in (403, 429):
                    if attempt == self.policy.max_attempts:
                        break
                    delay = verdict.wait
                    if delay is None:
                        delay = self.policy.backoff(attempt, secondary=verdict.secondary)
                    self.wait(min(delay, self.policy.reset_max_wait), secondary=verdict.secondary)
                    continue
                return self._checked(resp, verdict.verdict)
        raise GqlTransientError(
            f"enterprise {self.enterprise_id}: POST /graphql: still rate limited after "
            f"{self.policy.max_attempts} attempts",
            status=429,
            endpoint=GRAPHQL_PATH,
        )

    def _checked(self, resp: HttpResponse, verdict: Verdict) -> HttpResponse:
        where = f"enterprise {self.enterprise_id}: {resp.status} on POST /graphql"
        if verdict is Verdict.AUTH:
            err: RequestError = AuthFailed(
                f"{where}: the token was refused (invalid, expired or revoked); set a valid token "
                "in the environment variable named by token_env",
                status=resp.status,
                endpoint=GRAPHQL_PATH,
            )
        elif resp.status >= 500:
            err = GqlTransientError(where, status=resp.status, endpoint=GRAPHQL_PATH)
        elif resp.status != 200:
            err = RequestError(where, status=resp.status, endpoint=GRAPHQL_PATH)
        else:
            try:
                orjson.loads(resp.body or b"")
            except orjson.JSONDecodeError:
                err = GqlTransientError(
                    f"{where}: body is not JSON", status=200, endpoint=GRAPHQL_PATH
                )
            else:
                return resp
        err.response = resp
        raise err


def encode(query: str, variables: dict[str, Any], operation: str) -> bytes:
    """The exact POST body: compact JSON with the query, variables and operation name."""
    return orjson.dumps({"query": query, "variables": variables, "operationName": operation})
