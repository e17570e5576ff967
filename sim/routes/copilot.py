"""Copilot routes: usage-metrics report links and seat lists."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sim.history import Seat, seat_updated_at
from sim.ids import iso
from sim.messages import Reply, Request, error
from sim.routes.common import find_enterprise, find_org, missing, paged
from sim.shapes.common import Ctx, org_simple_json, team_json, user_json

if TYPE_CHECKING:
    from sim.app import App

REPORT_DAYS_KEPT = 365
ENTERPRISE_REPORTS = ("enterprise-1-day", "users-1-day", "repos-1-day", "user-teams-1-day")
ORG_REPORTS = ("organization-1-day", "users-1-day", "repos-1-day", "user-teams-1-day")


def enterprise_report(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /enterprises/{enterprise}/copilot/metrics/reports/{kind}?day=…"""
    slug = find_enterprise(app, req, params["enterprise"])
    if slug is None or params["kind"] not in ENTERPRISE_REPORTS:
        return missing()
    return _report(app, req, f"enterprise:{slug}", params["kind"])


def org_report(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /orgs/{org}/copilot/metrics/reports/{kind}?day=…"""
    org = find_org(app, req, params["org"])
    if org is None or params["kind"] not in ORG_REPORTS:
        return missing()
    return _report(app, req, f"org:{org.login}", params["kind"])


def _report(app: App, req: Request, scope: str, kind: str) -> Reply:
    raw = req.query.get("day")
    if not raw:
        return error(400, "Missing required query parameter: day")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return error(400, f"Invalid day: {raw}. Use the YYYY-MM-DD format.")
    st = app.state
    today = st.today
    oldest = max(st.world.first_day, today - dt.timedelta(days=REPORT_DAYS_KEPT))
    if not oldest <= day < today:
        return Reply(204, None)
    files = app.files.files(scope, kind, day, today)
    links = []
    for part in range(len(files)):
        path = app.files.path(scope, kind, day, today, part)
        links.append(f"{st.download_url}{path}?{app.signer.query(path)}")
    return Reply(200, {"download_links": links, "report_day": day.isoformat()})


def seat_json(ctx: Ctx, app: App, seat: Seat, *, with_org: bool) -> dict[str, Any]:
    """A Copilot seat object."""
    world = app.state.world
    org = world.orgs[seat.org.lower()]
    out: dict[str, Any] = {
        "created_at": iso(seat.created_at),
        "updated_at": iso(seat_updated_at(seat)),
        "pending_cancellation_date": seat.pending_cancellation.isoformat()
        if seat.pending_cancellation
        else None,
        "last_activity_at": iso(seat.last_activity_at) if seat.last_activity_at else None,
        "last_activity_editor": seat.editor,
        "last_authenticated_at": iso(seat.last_activity_at + 120)
        if seat.last_activity_at
        else None,
        "plan_type": seat.plan_type,
        "assignee": user_json(ctx, seat.user),
    }
    if seat.team is not None:
        out["assigning_team"] = team_json(ctx, seat.team, org)
    if with_org:
        out["organization"] = org_simple_json(ctx, org)
    return out


def org_seats(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /orgs/{org}/copilot/billing/seats."""
    org = find_org(app, req, params["org"])
    if org is None:
        return missing()
    return _seats(app, req, org.enterprise, org.login)


def enterprise_seats(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /enterprises/{enterprise}/copilot/billing/seats."""
    slug = find_enterprise(app, req, params["enterprise"])
    if slug is None:
        return missing()
    return _seats(app, req, slug, None)


def _seats(app: App, req: Request, enterprise: str, org: str | None) -> Reply:
    st = app.state
    seats = st.history.seats(enterprise, org, st.today)
    ctx = st.ctx()
    total = len(seats)
    return paged(
        app,
        req,
        seats,
        lambda s: seat_json(ctx, app, s, with_org=org is None),
        default=50,
        wrap=lambda items: {"total_seats": total, "seats": items},
    )
