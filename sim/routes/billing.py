"""Billing routes: premium-request and AI-credit usage (enterprise and organization)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.billing import SKUS, SpendRow, parse_period, usage_json
from sim.messages import Reply, Request, error
from sim.routes.common import find_enterprise, find_org, missing

if TYPE_CHECKING:
    from sim.app import App

FILTERS = ("user", "model", "product")


def enterprise_usage(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /enterprises/{enterprise}/settings/billing/{source}/usage."""
    slug = find_enterprise(app, req, params["enterprise"])
    if slug is None:
        return missing()
    org = req.query.get("organization")
    head = {"enterprise": slug}
    return _usage(app, req, enterprise=slug, org=org, source=params["source"], head=head)


def org_usage(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /organizations/{org}/settings/billing/{source}/usage."""
    org = find_org(app, req, params["org"])
    if org is None:
        return missing()
    head = {"organization": org.login}
    return _usage(
        app, req, enterprise=org.enterprise, org=org.login, source=params["source"], head=head
    )


def _usage(
    app: App, req: Request, *, enterprise: str, org: str | None, source: str, head: dict[str, str]
) -> Reply:
    st = app.state
    if source not in SKUS:
        return missing()
    try:
        period = parse_period(req.query, st.today)
    except ValueError:
        return error(400, "Invalid time period: year, month and day must be integers in range.")
    rows = st.billing.rows(enterprise, source, period, st.today)
    if org is not None:
        rows = [r for r in rows if r.org.lower() == org.lower()]
        head = {**head, "organization": org}
    for name in FILTERS:
        if name in req.query:
            wanted = req.query[name].lower()
            rows = [r for r in rows if _field(r, name).lower() == wanted]
            head[name] = req.query[name]
    if req.query.get("cost_center_id", "none") != "none":
        rows = []
    return Reply(200, usage_json(rows, period, head))


def _field(row: SpendRow, name: str) -> str:
    if name == "user":
        return row.user.login
    if name == "model":
        return row.model
    return row.sku.product
