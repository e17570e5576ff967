"""`POST /graphql`: authentication, validation, limits, the points budget, faults, execution.

As GitHub answers (docs "Rate limits and query limits for the GraphQL API", "Forming calls"):
- a body that is not JSON: 400 `Problems parsing JSON`; no or a bad token: 401;
- a query that does not parse or validate, or breaks a query limit: HTTP 200 with `errors` and
  no `data`, nothing charged;
- a query costing more points than remain: HTTP 200, `errors: [{type: RATE_LIMITED}]`;
- more than 2,000 points in a minute: 403 with the secondary-limit message and `Retry-After`;
- an id that names nothing (or nothing the token may see): its entry of `nodes` is null and an
  error `{type: NOT_FOUND, path: [nodes, i]}` goes beside the partial `data`.
Every answer carries the `x-ratelimit-*` headers of the token's points budget
(`x-ratelimit-resource: graphql`).

Injected GraphQL faults (drawn like REST faults, on the path `/graphql`): `gql_partial` (every
other requested node null with an internal error), `gql_rate_limited` (a RATE_LIMITED answer
although points remain), `gql_timeout` (GitHub's "may be the result of a timeout" with no data).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import ExecutionResult, GraphQLError, execute

from sim.gql import objects
from sim.gql.budget import RESOURCE, PointsBudget
from sim.gql.limits import tally
from sim.gql.schema import check, schema

if TYPE_CHECKING:
    from sim.state import State
    from sim.tokens import Token, Tokens

DOCS = "https://docs.github.com/graphql"
TIMEOUT_MESSAGE = (
    "Something went wrong while executing your query. This may be the result of a timeout, or "
    "it could be a GitHub bug. Please include `{rid}` when reporting this issue."
)
INTERNAL_MESSAGE = (
    "Something went wrong while executing your query. Please include `{rid}` when reporting "
    "this issue."
)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {rid}."
)


@dataclass
class GqlReply:
    """One answer: status, body bytes, headers, points charged."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    points: int = 0


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class GraphQLEndpoint:
    """Answers GraphQL POSTs over the simulator state."""

    def __init__(self, state: State, tokens: Tokens, budget: PointsBudget) -> None:
        self.state = state
        self.tokens = tokens
        self.budget = budget

    def handle(  # noqa: PLR0911 - one return per answer GitHub gives
        self, authorization: str, raw: bytes, rid: str, fault: str | None
    ) -> GqlReply:
        """Answer one POST body."""
        token = self._token(authorization)
        if token is None:
            return GqlReply(401, _dumps({"message": "Bad credentials", "documentation_url": DOCS}))
        try:
            payload = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict):
            body = {"message": "Problems parsing JSON", "documentation_url": DOCS}
            return self._reply(token, 400, body)
        query = payload.get("query")
        variables = payload.get("variables") or {}
        operation = payload.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict):
            msg = "A query attribute must be specified and must be a string."
            return self._reply(token, 200, {"errors": [{"message": msg}]})
        document, errors = check(query)
        if document is None or errors:
            return self._reply(token, 200, {"errors": [_formatted(e) for e in errors]})
        counted = tally(schema(), document, variables, operation)
        if counted.errors:
            return self._reply(token, 200, {"errors": counted.errors})
        bucket = self.budget.peek(token.value)
        if fault == "gql_rate_limited" or bucket.remaining < counted.cost:
            return self._reply(token, 200, self._rate_limited(token))
        if self.budget.over_minute(token.value, counted.cost):
            body = {"message": SECONDARY_MESSAGE.format(rid=rid), "documentation_url": DOCS}
            reply = self._reply(token, 403, body)
            reply.headers["retry-after"] = "60"
            return reply
        charged = self.budget.charge(token.value, counted.cost)
        if fault == "gql_timeout":
            timeout: dict[str, Any] = {
                "data": None,
                "errors": [{"message": TIMEOUT_MESSAGE.format(rid=rid)}],
            }
            return self._reply(token, 200, timeout, points=counted.cost)
        answer = self._execute(token, document, variables, operation, counted, charged, fault, rid)
        return self._reply(token, 200, answer, points=counted.cost)

    def _token(self, authorization: str) -> Token | None:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        token = self.tokens.lookup(value.strip())
        now = self.budget.clock()
        if token is None or (token.expires_at is not None and token.expires_at.timestamp() <= now):
            return None
        return token

    def _reply(self, token: Token, status: int, body: Any, *, points: int = 0) -> GqlReply:
        headers = self.budget.peek(token.value).headers(RESOURCE)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return GqlReply(status, _dumps(body), headers, points)

    def _rate_limited(self, token: Token) -> dict[str, Any]:
        user = self.state.world.users.get(token.login.lower())
        uid = user.id if user else 0
        return {
            "errors": [
                {"type": "RATE_LIMITED", "message": f"API rate limit exceeded for user ID {uid}."}
            ]
        }

    def _execute(  # noqa: PLR0917
        self,
        token: Token,
        document: Any,
        variables: dict[str, Any],
        operation: str | None,
        counted: Any,
        charged: Any,
        fault: str | None,
        rid: str,
    ) -> dict[str, Any]:
        missing: list[dict[str, Any]] = []
        state, enterprise = self.state, token.enterprise

        def one(gid: str, path: list[Any], k: int) -> Any:
            if fault == "gql_partial" and k % 2 == 1:
                missing.append({"message": INTERNAL_MESSAGE.format(rid=rid), "path": path})
                return None
            found = objects.lookup(state, enterprise, gid)
            if found is None:
                missing.append(
                    {
                        "type": "NOT_FOUND",
                        "path": path,
                        "message": f"Could not resolve to a node with the global id of '{gid}'",
                    }
                )
            return found

        reset = dt.datetime.fromtimestamp(charged.reset, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        root = {
            "rateLimit": lambda _info, **_a: {
                "cost": counted.cost,
                "limit": charged.limit,
                "nodeCount": counted.nodes,
                "remaining": charged.remaining,
                "used": charged.used,
                "resetAt": reset,
            },
            "nodes": lambda info, ids: [one(g, [info.path.key, i], i) for i, g in enumerate(ids)],
            "node": lambda info, id: one(id, [info.path.key], 0),
        }
        result = execute(
            schema(), document, root, variable_values=variables, operation_name=operation
        )
        assert isinstance(result, ExecutionResult)
        out: dict[str, Any] = {"data": result.data}
        errors = [_formatted(e) for e in result.errors or ()] + missing
        if errors:
            out["errors"] = errors
        return out


def _formatted(err: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {"message": err.message}
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    if err.path:
        out["path"] = list(err.path)
    return out
