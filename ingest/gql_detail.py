"""Per-item detail through GraphQL: batched `nodes(ids:)` queries, adaptive batch size, pages.

For one repository at a time (so every event keeps a single repository scope, as REST events do),
the PRs whose detail is missing or stale and the production deployments whose outcome is not
final are read by the `node_id`s the REST lists returned:
- a batch of up to `MAX_BATCH` ids per query; the batch size halves (never below 1) after a 502,
  a timeout, a reset or a resource-limit error, and doubles again after a success;
- a node whose commits, reviews, timeline events or statuses do not fit one page gets page
  queries until each connection is complete;
- a 200 with `errors` is archived as received; nodes that came back null for a reason other than
  NOT_FOUND are asked again (up to `RetryPolicy.max_attempts` times), then reported as failed
  (the run is partial, exit 3, naming them); NOT_FOUND (deleted since the list was read) is done;
- `RATE_LIMITED` waits for the reset (when the budget is spent) or backs off, and asks again.

Every POST that got an answer is archived byte for byte (request: the exact POST body, with the
query's sha256 beside it; response: status, headers, body); one that got none is an error event.
`refs.items` maps each node id to what the plan needs (a PR's number, updated_at and head SHA; a
deployment's REST id and latest state), `refs.complete` lists the nodes whose detail is complete
with this event and `refs.not_found` those GitHub no longer knows: the plan index reads only these.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from archive import kinds
from ingest import gql_queries as q
from ingest.client import utc_stamp
from ingest.errors import AuthFailed, Interrupted, RequestError
from ingest.fetch import Recorder, RunStats
from ingest.gql_client import GRAPHQL_PATH, GqlTransientError, GraphQLClient, encode
from ingest.response import HttpResponse

log = logging.getLogger("ghmc.ingest")

MAX_BATCH = 100
SHRINK_TYPES = frozenset({"MAX_NODE_LIMIT_EXCEEDED", "EXCESSIVE_PAGINATION", "RESOURCE_LIMITS"})


@dataclass(frozen=True, slots=True)
class Wanted:
    """One item to read: its global id and what the plan records about it (JSON list)."""

    node_id: str
    info: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Spec:
    kind: str
    query: str
    operation: str
    page_query: str
    page_operation: str
    connections: dict[str, str]
    """page-query flag → field name of each paged connection."""
    label: Callable[[Wanted], str]
    finish: Callable[[Wanted, dict[str, Any]], tuple[Any, ...]]
    """(item, first-page node) → the info the plan records once the item is complete."""


@dataclass(frozen=True, slots=True)
class _Call:
    """One POST to make and archive: which kind, which repository, the exact body."""

    spec: _Spec
    org: str
    repo: str
    payload: bytes
    operation: str


def _latest_state(_w: Wanted, node: dict[str, Any]) -> tuple[Any, ...]:
    nodes = (node.get("statuses") or {}).get("nodes") or []
    timed = [(str(s.get("createdAt") or ""), str(s.get("id") or ""), s) for s in nodes if s]
    latest = max(timed, default=None)
    return (_w.info[0], str(latest[2].get("state") or "").lower() if latest else "")


PULLS = _Spec(
    kinds.GRAPHQL_PULL_REQUESTS,
    q.PULL_REQUESTS,
    "PullRequestDetail",
    q.PULL_REQUEST_PAGE,
    "PullRequestPage",
    dict(q.FIELD_OF),
    lambda w: f"PR #{w.info[0]}",
    lambda w, _node: w.info,
)
DEPLOYMENTS = _Spec(
    kinds.GRAPHQL_DEPLOYMENTS,
    q.DEPLOYMENTS,
    "DeploymentStatuses",
    q.DEPLOYMENT_PAGE,
    "DeploymentStatusesPage",
    {"statuses": "statuses"},
    lambda w: f"deployment {w.info[0]}",
    _latest_state,
)


@dataclass
class Detail:
    """Reads the detail of one enterprise's items through GraphQL and archives every answer."""

    client: GraphQLClient
    recorder: Recorder
    stats: RunStats
    size: int = MAX_BATCH
    queries: int = 0
    _sha: dict[str, str] = field(default_factory=dict)

    def pull_requests(self, org: str, repo: str, wanted: list[Wanted]) -> list[str]:
        """Read PRs (detail, reviews, commits, draft events); return the failed ones' labels."""
        return self._read(PULLS, org, repo, wanted)

    def deployments(self, org: str, repo: str, wanted: list[Wanted]) -> list[str]:
        """Read deployments' statuses; return the failed ones' labels."""
        return self._read(DEPLOYMENTS, org, repo, wanted)

    # batches --------------------------------------------------------------------------------
    def _read(self, spec: _Spec, org: str, repo: str, wanted: list[Wanted]) -> list[str]:
        queue = list(wanted)
        tries: dict[str, int] = {}
        failed: list[Wanted] = []
        limit = self.client.policy.max_attempts
        while queue:
            if self.recorder.cancel.is_set():
                raise Interrupted
            batch = queue[: self.size]
            retry = self._batch(spec, org, repo, batch)
            queue = queue[len(batch) :]
            if retry is None:  # nothing usable came back: smaller batch, same items again
                self.size = max(1, len(batch) // 2)
                retry = batch
            elif not retry:
                self.size = min(MAX_BATCH, self.size * 2)
            again: list[Wanted] = []
            for w in retry:
                tries[w.node_id] = tries.get(w.node_id, 0) + 1
                (failed if tries[w.node_id] >= limit else again).append(w)
            if again:
                attempt = max(tries[w.node_id] for w in again)
                self.client.sleep(self.client.policy.backoff(attempt))
            queue = again + queue
        labels = [spec.label(w) for w in failed]
        if labels:
            self.stats.add_error(
                f"enterprise {self.client.enterprise_id}: {repo}: GraphQL detail still missing "
                f"after {limit} attempts for {', '.join(labels)} (the next run asks again)"
            )
        return labels

    def _batch(self, spec: _Spec, org: str, repo: str, batch: list[Wanted]) -> list[Wanted] | None:
        """One batch query: the items to ask again, or None when the whole answer failed."""
        payload = encode(spec.query, {"ids": [w.node_id for w in batch]}, spec.operation)
        call = _Call(spec, org, repo, payload, spec.operation)
        items = {w.node_id: list(w.info) for w in batch}
        body, resp = self._post(call, items)
        if body is None or resp is None:
            return None
        data = body.get("data") if isinstance(body, dict) else None
        nodes = data.get("nodes") if isinstance(data, dict) else None
        errors = _errors(body)
        if not isinstance(nodes, list) or len(nodes) != len(batch):
            self._archive(call, resp, items)
            self._after_failure(errors)
            return None
        not_found = {_index(e) for e in errors if e.get("type") == "NOT_FOUND"}
        complete: list[tuple[Wanted, dict[str, Any]]] = []
        paged: list[tuple[Wanted, dict[str, Any]]] = []
        gone: list[Wanted] = []
        retry: list[Wanted] = []
        for i, (w, node) in enumerate(zip(batch, nodes, strict=True)):
            if node is None:
                (gone if i in not_found else retry).append(w)
            elif not all(isinstance(node.get(f), dict) for f in spec.connections.values()):
                retry.append(w)
            else:
                items[w.node_id] = list(spec.finish(w, node))
                (paged if _next_pages(spec, node) else complete).append((w, node))
        done = [w.node_id for w, _n in complete]
        self._archive(call, resp, items, done, [w.node_id for w in gone])
        for w, node in paged:
            if not self._pages(call, w, node, items[w.node_id]):
                retry.append(w)
        return retry

    # pages ----------------------------------------------------------------------------------
    def _pages(self, batch: _Call, w: Wanted, node: dict[str, Any], info: list[Any]) -> bool:
        """Page the node's incomplete connections to their end; False if that failed."""
        spec = batch.spec
        cursors = _next_pages(spec, node)
        failures = 0
        while cursors:
            variables: dict[str, Any] = {"id": w.node_id}
            for flag in spec.connections:
                if len(spec.connections) > 1:
                    variables[flag] = flag in cursors
                variables[f"{flag}After"] = cursors.get(flag)
            payload = encode(spec.page_query, variables, spec.page_operation)
            call = _Call(spec, batch.org, batch.repo, payload, spec.page_operation)
            body, resp = self._post(call, {})
            page = _node(body)
            ok = page is not None and all(
                isinstance(page.get(spec.connections[f]), dict) for f in cursors
            )
            if resp is None or page is None or not ok:
                if resp is not None:
                    self._archive(call, resp, {})
                failures += 1
                if failures >= self.client.policy.max_attempts:
                    return False
                self.client.sleep(self.client.policy.backoff(failures))
                continue
            nxt = {
                f: c
                for f, c in _next_pages(spec, page).items()
                if f in cursors  # a connection not asked for this time is absent
            }
            done = [w.node_id] if not nxt else []
            self._archive(call, resp, {w.node_id: info}, done)
            cursors = nxt
        return True

    # one POST -------------------------------------------------------------------------------
    def _post(self, call: _Call, items: dict[str, list[Any]]) -> tuple[Any, HttpResponse | None]:
        """POST; the decoded body and the answer, or (None, None) after an archived failure.
        A RATE_LIMITED answer is archived and waited out here."""
        for _ in range(self.client.policy.max_attempts):
            if self.recorder.cancel.is_set():
                raise Interrupted
            self.queries += 1
            try:
                resp = self.client.post(call.payload)
            except AuthFailed:
                raise
            except RequestError as exc:
                self._append(call, exc.response, _refs(items), exc)
                if not isinstance(exc, GqlTransientError):
                    self.stats.add_error(exc.message)
                return None, None
            body = orjson.loads(resp.body or b"null")
            cost = _cost(body)
            self.client.points += cost
            errors = _errors(body)
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                self._archive(call, resp, items)
                self._rate_limited(resp)
                continue
            return body, resp
        return None, None

    def _rate_limited(self, resp: HttpResponse) -> None:
        rate = self.client.rate
        now = self.client.clock()
        if resp.headers.get("x-ratelimit-remaining") == "0" and rate.reset:
            delay = max(1.0, rate.reset - now + 1.0)
            self.client.wait(min(delay, self.client.policy.reset_max_wait), secondary=False)
        else:
            self.client.wait(self.client.policy.secondary_min, secondary=True)

    def _after_failure(self, errors: list[dict[str, Any]]) -> None:
        kinds_seen = {str(e.get("type") or "") for e in errors}
        if kinds_seen & SHRINK_TYPES:
            log.info("GraphQL resource limit hit (%s): smaller batches", sorted(kinds_seen))

    # archive --------------------------------------------------------------------------------
    def _request(self, call: _Call, headers: dict[str, str]) -> dict[str, Any]:
        text, operation = call.payload.decode(), call.operation
        query_sha = self._sha.get(operation)
        if query_sha is None:
            query = orjson.loads(call.payload)["query"]
            query_sha = self._sha[operation] = hashlib.sha256(query.encode()).hexdigest()
        return {
            "method": "POST",
            "url": self.client.url,
            "path": GRAPHQL_PATH,
            "params": {},
            "query": {},
            "headers": {
                k: v for k, v in headers.items() if k.lower() not in ("authorization", "cookie")
            },
            "api_version": self.client.api_version,
            "page": None,
            "credential": self.client.credential,
            "operation": operation,
            "query_sha256": query_sha,
            "body": text,
        }

    def _archive(
        self,
        call: _Call,
        resp: HttpResponse,
        items: dict[str, list[Any]],
        complete: list[str] | None = None,
        not_found: list[str] | None = None,
    ) -> None:
        self._append(call, resp, _refs(items, complete, not_found), None)

    def _append(
        self,
        call: _Call,
        resp: HttpResponse | None,
        refs: dict[str, Any],
        exc: RequestError | None,
    ) -> None:
        """One event: the answer with its body, or (exc) what went wrong and no body."""
        response: dict[str, Any] = {"status": None, "headers": {}, "elapsed_ms": None}
        if resp is not None:
            response = {
                "status": resp.status,
                "headers": resp.headers,
                "elapsed_ms": resp.elapsed_ms,
            }
        self.recorder.append(
            kind=call.spec.kind,
            fetched_at=resp.fetched_at if resp else utc_stamp(self.client.clock()),
            org=call.org,
            repo=call.repo,
            request=self._request(call, resp.request_headers if resp else {}),
            response=response,
            body=resp.body if resp is not None and exc is None else None,
            refs=refs,
            error=(
                {"type": exc.error_type, "message": exc.message, "status": exc.status}
                if exc is not None
                else None
            ),
        )


def _refs(
    items: dict[str, list[Any]],
    complete: list[str] | None = None,
    not_found: list[str] | None = None,
) -> dict[str, Any]:
    """The refs the plan index reads (module docstring)."""
    return {"items": items, "complete": complete or [], "not_found": not_found or []}


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors or () if isinstance(e, dict)]


def _index(error: dict[str, Any]) -> int | None:
    path = error.get("path")
    if isinstance(path, list) and len(path) == 2 and isinstance(path[1], int):
        return path[1]
    return None


def _cost(body: Any) -> int:
    data = body.get("data") if isinstance(body, dict) else None
    rate = data.get("rateLimit") if isinstance(data, dict) else None
    cost = rate.get("cost") if isinstance(rate, dict) else None
    return cost if isinstance(cost, int) else 0


def _node(body: Any) -> dict[str, Any] | None:
    data = body.get("data") if isinstance(body, dict) else None
    node = data.get("node") if isinstance(data, dict) else None
    return node if isinstance(node, dict) else None


def _next_pages(spec: _Spec, node: dict[str, Any]) -> dict[str, str]:
    """flag → cursor of every connection of `node` with a further page."""
    out = {}
    for flag, name in spec.connections.items():
        conn = node.get(name)
        info = conn.get("pageInfo") if isinstance(conn, dict) else None
        if isinstance(info, dict) and info.get("hasNextPage") and info.get("endCursor"):
            out[flag] = str(info["endCursor"])
    return out
