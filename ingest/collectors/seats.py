"""Copilot seat assignments: a daily snapshot of the enterprise list and of each organization."""

from __future__ import annotations

from archive import kinds
from ingest.context import Ctx
from ingest.fetch import Req

FAMILY = "seats"


def collect(ctx: Ctx) -> None:
    """Walk every seat list not yet snapshotted today."""
    ctx.report("seats")
    today = ctx.today.isoformat()
    targets: list[tuple[str, str, dict[str, str | int], str | None]] = [
        (
            kinds.COPILOT_SEATS_ENTERPRISE,
            "/enterprises/{enterprise}/copilot/billing/seats",
            {"enterprise": ctx.ent.slug},
            None,
        )
    ]
    targets += [
        (kinds.COPILOT_SEATS, "/orgs/{org}/copilot/billing/seats", {"org": org}, org)
        for org in ctx.ent.orgs
    ]
    for kind, path, params, org in targets:
        if ctx.index.seats_snapshot.get((kind, org or "")) == today:
            continue
        with ctx.guard(FAMILY, org or ""):
            pages = ctx.walk(Req(kind, path, params, {"per_page": "100"}, org=org))
            # Billing's per-user step (later in this run) reads seat logins from the index: on a
            # first run the archive had none, so the lists just fetched are what it must use.
            logins = {str(login) for page in pages for login in page.summary.keys(0) if login}
            ctx.index.seat_logins[(kind, org or "")] = frozenset(logins)
