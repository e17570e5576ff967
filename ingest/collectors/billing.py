"""Premium-request and AI-credit usage per day, for the enterprise, each organization and
(optionally, within a request budget) each seated user; uses the billing token."""

from __future__ import annotations

from datetime import date

from archive import kinds
from ingest.collectors.days import days_to_fetch
from ingest.context import Ctx
from ingest.fetch import Req

FAMILY = "billing"
KEEP_DAYS = 730
PER_USER_BUDGET = 1000
PER_USER_DAYS = 3
SOURCES = (
    (
        kinds.BILLING_PREMIUM_REQUEST_USAGE,
        "/enterprises/{enterprise}/settings/billing/premium_request/usage",
    ),
    (kinds.BILLING_AI_CREDIT_USAGE, "/enterprises/{enterprise}/settings/billing/ai_credit/usage"),
)


def _query(day: str, org: str = "", user: str = "") -> dict[str, str]:
    d = date.fromisoformat(day)
    query = {"year": str(d.year), "month": str(d.month), "day": str(d.day)}
    if org:
        query["organization"] = org
    if user:
        query["user"] = user
    return query


def collect(ctx: Ctx) -> None:
    """Fetch every missing usage day for the enterprise and each organization, then users."""
    ctx.report("billing")
    for kind, path in SOURCES:
        for org in ("", *ctx.ent.orgs):
            stored = ctx.index.billing_days.get((kind, org, ""), {})
            for day in days_to_fetch(
                stored, today=ctx.today, history_days=ctx.cfg.history_days, keep_days=KEEP_DAYS
            ):
                if ctx.is_denied(FAMILY, ""):
                    return
                _one(ctx, kind, path, day, org=org)
    if ctx.cfg.billing.per_user:
        _per_user(ctx)


def _one(ctx: Ctx, kind: str, path: str, day: str, *, org: str = "", user: str = "") -> None:
    req = Req(kind, path, {"enterprise": ctx.ent.slug}, _query(day, org, user), org=org or None)
    with ctx.guard(FAMILY, ""):
        ctx.fetcher.fetch(req, client=ctx.billing_client)


def _per_user(ctx: Ctx) -> None:
    """Per-user spend for recent days, newest first, at most PER_USER_BUDGET requests a run."""
    budget = PER_USER_BUDGET
    users = ctx.index.all_seat_logins()
    for kind, path in SOURCES:
        for user in users:
            stored = ctx.index.billing_days.get((kind, "", user), {})
            days = days_to_fetch(
                stored,
                today=ctx.today,
                history_days=PER_USER_DAYS,
                keep_days=PER_USER_DAYS,
                refetch_days=1,
            )
            for day in reversed(days):
                if budget <= 0 or ctx.is_denied(FAMILY, ""):
                    return
                budget -= 1
                _one(ctx, kind, path, day, user=user)
