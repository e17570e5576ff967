"""Workflow runs (search-style `created` filter, 1,000-result cap) and deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.ids import DAY_S, parse_iso
from sim.messages import Reply, Request, error
from sim.records import Deployment, Run
from sim.routes.common import find_repo, missing, paged
from sim.shapes.delivery import deployment_json, run_json, run_view, status_json

if TYPE_CHECKING:
    from sim.app import App

SEARCH_CAP = 1000
CAPPED_FILTERS = ("actor", "branch", "check_suite_id", "created", "event", "head_sha", "status")


def parse_created(text: str) -> tuple[float, float]:
    """GitHub search date syntax → inclusive (low, high) epoch bounds.

    `2026-01-01`, `>=2026-01-01`, `>2026-01-01T10:00:00Z`, `<…`, `<=…`, `a..b`, `a..*`, `*..b`.
    A bare date covers its whole day.
    """
    text = text.strip()
    if ".." in text:
        lo, _, hi = text.partition("..")
        low = -float("inf") if lo == "*" else _bound(lo, upper=False)
        high = float("inf") if hi == "*" else _bound(hi, upper=True)
        return low, high
    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            value = text[len(op) :]
            if op == ">=":
                return _bound(value, upper=False), float("inf")
            if op == ">":
                return _bound(value, upper=True) + 1, float("inf")
            if op == "<=":
                return -float("inf"), _bound(value, upper=True)
            return -float("inf"), _bound(value, upper=False) - 1
    return _bound(text, upper=False), _bound(text, upper=True)


def _bound(value: str, *, upper: bool) -> float:
    t = parse_iso(value)
    if len(value.strip()) == 10 and upper:
        return t + DAY_S - 1
    return t


def runs(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/actions/runs (newest first)."""
    repo = find_repo(app, req, params)
    if repo is None:
        return missing()
    st = app.state
    now = st.now
    listing = list(reversed(st.history.runs(repo, st.today)))
    q = req.query
    try:
        low, high = parse_created(q["created"]) if "created" in q else (-float("inf"), float("inf"))
    except ValueError:
        return error(422, "Invalid created parameter")
    listing = [p for p in listing if low <= p[0].created_at <= high and _matches(p[0], q, now)]
    capped = any(name in q for name in CAPPED_FILTERS)
    ctx = st.ctx()
    exclude = q.get("exclude_pull_requests") == "true"

    def render(p: tuple[Run, int]) -> dict[str, Any]:
        body = run_json(ctx, p[0], p[1])
        if exclude:
            body["pull_requests"] = []
        return body

    total = len(listing)
    return paged(
        app,
        req,
        listing,
        render,
        cap=SEARCH_CAP if capped else None,
        wrap=lambda items: {"total_count": total, "workflow_runs": items},
    )


def _matches(run: Run, q: dict[str, str], now: int) -> bool:
    status, conclusion, *_ = run_view(run, now)
    checks = (
        ("branch", run.head_branch),
        ("event", run.event),
        ("actor", run.actor.login),
        ("head_sha", run.head_sha),
    )
    if any(name in q and q[name] != value for name, value in checks):
        return False
    return "status" not in q or q["status"] in (status, conclusion)


def deployments(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/deployments (newest first)."""
    repo = find_repo(app, req, params)
    if repo is None:
        return missing()
    st = app.state
    listing = sorted(st.history.deployments(repo, st.today), key=lambda d: d.id, reverse=True)
    q = req.query
    for name, attr in (("environment", "environment"), ("sha", "sha")):
        if q.get(name, "none") != "none":
            listing = [d for d in listing if getattr(d, attr) == q[name]]
    if q.get("ref", "none") not in ("none", "main"):
        listing = []
    if q.get("task", "none") not in ("none", "deploy"):
        listing = []
    ctx = st.ctx()
    today = st.today

    def render(dep: Deployment) -> dict[str, Any]:
        statuses = st.history.statuses(dep, today)
        return deployment_json(ctx, dep, statuses[-1][1] if statuses else dep.created_at)

    return paged(app, req, listing, render)


def deployment_statuses(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/deployments/{id}/statuses (newest first)."""
    repo = find_repo(app, req, params)
    if repo is None or not params["deployment_id"].isdigit():
        return missing()
    st = app.state
    wanted = int(params["deployment_id"])
    dep = next((d for d in st.history.deployments(repo, st.today) if d.id == wanted), None)
    if dep is None:
        return missing()
    statuses = list(enumerate(st.history.statuses(dep, st.today), start=1))
    ctx = st.ctx()
    return paged(
        app, req, list(reversed(statuses)), lambda s: status_json(ctx, dep, s[0], s[1][0], s[1][1])
    )
