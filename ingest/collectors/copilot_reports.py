"""Copilot usage-metrics 1-day reports, and their files downloaded without the token.

For every day missing from the archive up to yesterday (never today) and the last three days
(GitHub revises them), ask for the report's links; 204/404/empty = no report that day (archived,
not an error). Each link is downloaded at once by the token-less `Downloader` and archived as a
`copilot.report_file` event; when a link has expired the links are requested again and every file is
downloaded from the fresh answer.
"""

from __future__ import annotations

from archive import kinds
from ingest.collectors.days import days_to_fetch
from ingest.context import Ctx
from ingest.errors import LinkExpired
from ingest.fetch import Page, Req

ENTERPRISE_REPORTS = (
    (kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, "enterprise-1-day"),
    (kinds.COPILOT_REPORT_USERS_1_DAY, "users-1-day"),
    (kinds.COPILOT_REPORT_REPOS_1_DAY, "repos-1-day"),
    (kinds.COPILOT_REPORT_USER_TEAMS_1_DAY, "user-teams-1-day"),
)
ORG_REPORT = (kinds.COPILOT_REPORT_ORGANIZATION_1_DAY, "organization-1-day")
KEEP_DAYS = 365
FAMILY = "copilot"


def collect(ctx: Ctx) -> None:
    """Fetch every missing report day of the enterprise and of each organization."""
    ctx.report("copilot reports")
    slug = ctx.ent.slug
    for kind, name in ENTERPRISE_REPORTS:
        path = f"/enterprises/{{enterprise}}/copilot/metrics/reports/{name}"
        _collect_kind(ctx, kind, path, {"enterprise": slug}, org=None)
    kind, name = ORG_REPORT
    for org in ctx.ent.orgs:
        path = f"/orgs/{{org}}/copilot/metrics/reports/{name}"
        _collect_kind(ctx, kind, path, {"org": org}, org=org)


def _collect_kind(
    ctx: Ctx, kind: str, path: str, params: dict[str, str | int], org: str | None
) -> None:
    stored = ctx.index.report_days.get((kind, org or ""), {})
    scope = org or ""
    for day in days_to_fetch(
        stored, today=ctx.today, history_days=ctx.cfg.history_days, keep_days=KEEP_DAYS
    ):
        if ctx.is_denied(FAMILY, scope):
            return
        req = Req(kind, path, params, {"day": day}, org=org)
        with ctx.guard(FAMILY, scope):
            _fetch_day(ctx, req, day, already_done=day in stored)


def _fetch_day(ctx: Ctx, req: Req, day: str, *, already_done: bool) -> None:
    page = ctx.fetcher.fetch(req, ok_statuses=(204, 404))
    if page.not_modified:
        if already_done:
            return
        page = ctx.fetcher.fetch(req, ok_statuses=(204, 404), conditional=False)
    refreshes = 0
    while True:
        links = [str(item[0]) for item in page.summary.items]
        if page.response.status != 200 or not links:
            return
        try:
            _download_all(ctx, page, links, req, day)
            return
        except LinkExpired:
            refreshes += 1
            if refreshes > ctx.client.policy.max_link_refreshes:
                raise
            page = ctx.fetcher.fetch(req, ok_statuses=(204, 404), conditional=False)


def _download_all(ctx: Ctx, page: Page, links: list[str], req: Req, day: str) -> None:
    for index, link in enumerate(links):
        ctx.fetcher.download(
            ctx.downloader,
            link,
            kind=kinds.COPILOT_REPORT_FILE,
            refs={
                "report_event_id": page.event.event_id,
                "report_kind": req.kind,
                "report_day": day,
                "file_index": index,
                "org": req.org,
            },
        )
