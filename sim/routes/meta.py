"""GET /rate_limit (not charged)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.messages import Reply, Request

if TYPE_CHECKING:
    from sim.app import App

STATIC = {
    "search": 30,
    "graphql": 5000,
    "integration_manifest": 5000,
    "source_import": 100,
    "code_scanning_upload": 1000,
    "actions_runner_registration": 10000,
    "scim": 15000,
    "dependency_snapshots": 100,
    "code_search": 10,
    "code_scanning_autofix": 10,
}


def rate_limit(app: App, req: Request, params: dict[str, str]) -> Reply:  # noqa: ARG001
    """The token's core bucket and the (unused) others."""
    assert req.token is not None
    bucket = app.limiter.peek(req.token.value)
    core = {
        "limit": bucket.limit,
        "used": bucket.used,
        "remaining": bucket.remaining,
        "reset": bucket.reset,
    }
    reset = int(app.clock()) + 60
    resources = {"core": core}
    for name, limit in STATIC.items():
        resources[name] = {"limit": limit, "used": 0, "remaining": limit, "reset": reset}
    return Reply(200, {"resources": resources, "rate": core})
