"""The report in PBIR: five pages (Copilot adoption, Spend, DORA, Velocity, Data) and their visuals.

Pages are declared as rows of visuals; a field is written `Table.column` or `[Measure]` (a measure
is found in its home table). Every page starts with slicers for enterprise, organization and date
(and repository / team where the page's data has them), so the filters of the HTML report exist
here too. Schema versions are pinned in `SCHEMAS`; tests validate every file against them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from dashboards.powerbi.measures import all_measures
from dashboards.powerbi.visuals import JSON, Field, Visual, container

_BASE = "https://developer.microsoft.com/json-schemas/fabric/item/"
SCHEMAS = {
    "definition.pbir": _BASE + "report/definitionProperties/2.0.0/schema.json",
    "definition.pbism": _BASE + "semanticModel/definitionProperties/1.0.0/schema.json",
    "report": _BASE + "report/definition/report/3.0.0/schema.json",
    "pages": _BASE + "report/definition/pagesMetadata/1.0.0/schema.json",
    "page": _BASE + "report/definition/page/2.0.0/schema.json",
    "visual": _BASE + "report/definition/visualContainer/2.4.0/schema.json",
    "version": _BASE + "report/definition/versionMetadata/1.0.0/schema.json",
}
"""The pinned schema of each PBIR / PBISM file kind."""

PAGE_WIDTH = 1280
MARGIN = 16
GAP = 8


@dataclass(frozen=True, slots=True)
class Page:
    """A report page: its id, title and rows of (height, visuals)."""

    name: str
    title: str
    rows: tuple[tuple[int, tuple[Visual, ...]], ...]


def field(ref: str) -> Field:
    """`Table.column` → a column field; `[Measure]` → the measure in its home table."""
    if ref.startswith("["):
        label = ref[1:-1]
        home = next((m.table for m in all_measures() if m.name == label), "?")
        return Field("Measure", home, label)
    table, _, column = ref.partition(".")
    return Field("Column", table, column)


def _roles(**roles: list[str]) -> tuple[tuple[str, tuple[Field, ...]], ...]:
    return tuple((role, tuple(field(r) for r in refs)) for role, refs in roles.items() if refs)


def card(measure: str) -> Visual:
    """A card showing one measure."""
    return Visual("card", measure, _roles(Values=[f"[{measure}]"]))


def chart(
    kind: str, title: str, category: str, y: list[str], *, series: str = "", what: str = ""
) -> Visual:
    """A chart: category axis, one or more measures, optional series."""
    return Visual(
        kind,
        title,
        _roles(Category=[category], Y=[f"[{m}]" for m in y], Series=[series] if series else []),
        what,
    )


def table(title: str, refs: list[str], what: str = "") -> Visual:
    """A table of columns and measures."""
    return Visual("tableEx", title, _roles(Values=refs), what)


def slicer(ref: str, title: str) -> Visual:
    """A slicer over one column."""
    return Visual("slicer", title, _roles(Values=[ref]))


def _slicers(*extra: str) -> tuple[int, tuple[Visual, ...]]:
    chosen = {
        "enterprise": slicer("Enterprise.enterprise_id", "Enterprise"),
        "org": slicer("Organization.org", "Organization"),
        "repo": slicer("Repository.repo", "Repository"),
        "team": slicer("Team.team_slug", "Team"),
        "granularity": slicer("dora_metrics.granularity", "Week or month"),
        "date": slicer("Date.Date", "Date range"),
    }
    keys = ["enterprise", "org", *extra, "date"]
    return 90, tuple(chosen[k] for k in keys)


def _cards(*measures: str) -> tuple[int, tuple[Visual, ...]]:
    return 100, tuple(card(m) for m in measures)


COPILOT = Page(
    "copilot",
    "Copilot adoption",
    (
        _slicers("team"),
        _cards(
            "Daily active users",
            "Weekly active users",
            "Monthly active users",
            "Assigned seats",
            "Active seats (30 days)",
            "Acceptance rate (count)",
            "Acceptance rate (lines)",
        ),
        _cards(
            "Monthly active chat users",
            "Monthly active agent users",
            "Daily active CLI users",
            "PRs created by Copilot",
            "PRs reviewed by Copilot",
            "Seats never used",
            "Seats inactive 30+ days",
        ),
        (
            260,
            (
                chart(
                    "lineChart",
                    "Active users",
                    "Date.Date",
                    ["Daily active users", "Weekly active users", "Monthly active users"],
                    what="Users active that day, in the last 7 and 28 days (GitHub's report).",
                ),
                chart(
                    "lineChart",
                    "Acceptance rate",
                    "Date.Week start",
                    ["Acceptance rate (count)", "Acceptance rate (lines)"],
                    what="Code completion: acceptances ÷ generations, lines added ÷ suggested.",
                ),
            ),
        ),
        (
            260,
            tuple(
                chart(
                    "clusteredBarChart",
                    f"By {label}",
                    f"copilot_breakdown_daily.{column}",
                    ["Code generations", "Breakdown acceptance rate"],
                    what=f"Generations and acceptance rate per {label}.",
                )
                for label, column in (
                    ("language", "language"),
                    ("IDE", "ide"),
                    ("model", "model"),
                    ("feature", "feature"),
                )
            ),
        ),
        (
            260,
            (
                chart(
                    "donutChart",
                    "Adoption phase",
                    "copilot_user_metrics.ai_adoption_phase",
                    ["Active users (users report)"],
                    what="Users per AI adoption phase (users report).",
                ),
                chart(
                    "clusteredBarChart",
                    "Teams",
                    "Team.team_slug",
                    ["Active users (users report)", "Acceptance rate, all features (users report)"],
                    what="Active users and acceptance per team (members via copilot_user_teams).",
                ),
            ),
        ),
        (
            300,
            (
                table(
                    "Seats: inactive and never used",
                    [
                        "copilot_seats.user_login",
                        "copilot_seats.org",
                        "[Seats in last snapshot]",
                        "[Seat last activity]",
                        "[Seat inactive days]",
                    ],
                    "Seats of the last snapshot; no last activity = never used.",
                ),
                card("Seats inactive 7+ days"),
                card("Seats inactive 90+ days"),
                card("Seat utilisation"),
            ),
        ),
    ),
)

SPEND = Page(
    "spend",
    "Spend",
    (
        _slicers(),
        _cards(
            "Gross spend",
            "Discount",
            "Net spend",
            "Net spend month to date",
            "Net spend last month",
            "Net spend per active user",
            "Net spend per seat",
        ),
        (
            300,
            (
                chart(
                    "columnChart",
                    "Daily net spend by model",
                    "Date.Date",
                    ["Net spend"],
                    series="copilot_premium_requests.model",
                    what="Net amount billed per day, premium requests and AI credits.",
                ),
            ),
        ),
        (
            280,
            (
                chart(
                    "clusteredBarChart",
                    "By SKU",
                    "copilot_premium_requests.sku",
                    ["Net spend"],
                    what="Net spend per SKU.",
                ),
                chart(
                    "clusteredBarChart",
                    "By organization",
                    "Organization.org",
                    ["Net spend"],
                    what="Net spend per organization (org rows of the billing report).",
                ),
                table(
                    "Top users",
                    ["User.user_login", "[Net spend]", "[Gross quantity]"],
                    "Per-user spend; empty unless [billing] per_user = true.",
                ),
            ),
        ),
    ),
)

_DORA_COLUMNS = [
    "Repository.repo",
    "[Deployments]",
    "[Deployment days per week (median)]",
    "[Deployment frequency level]",
    "[Lead time median (minutes)]",
    "[Lead time p75 (minutes)]",
    "[Lead time sample (changes)]",
    "[Lead time level]",
    "[Change failure rate]",
    "[Failed deployments]",
    "[Change failure level]",
    "[Recovery median (minutes)]",
    "[Recovery p75 (minutes)]",
    "[Recovery sample (incidents)]",
    "[Recovery level]",
    "[Rework rate]",
]

DORA = Page(
    "dora",
    "DORA",
    (
        _slicers("repo", "granularity"),
        _cards(
            "Deployments",
            "Deployment frequency level",
            "Lead time median (minutes)",
            "Lead time sample (changes)",
            "Change failure rate",
            "Recovery median (minutes)",
            "Recovery sample (incidents)",
            "Rework rate",
        ),
        (
            300,
            (
                table(
                    "Per repository",
                    _DORA_COLUMNS,
                    "Last period in context; each median beside its sample size and level.",
                ),
            ),
        ),
        (
            240,
            (
                table(
                    "Per organization",
                    ["Organization.org", *_DORA_COLUMNS[1:]],
                    "Organization roll-ups of dora_metrics, last period in context.",
                ),
            ),
        ),
        (
            260,
            (
                chart(
                    "columnChart",
                    "Deployments by level",
                    "Date.Month start",
                    ["Deployments"],
                    series="dora_metrics.df_level",
                    what="Deployments per month, coloured by deployment-frequency level.",
                ),
                chart(
                    "lineChart",
                    "Lead time and recovery",
                    "Date.Month start",
                    ["Lead time median (minutes)", "Recovery median (minutes)"],
                    what="Monthly medians, minutes.",
                ),
            ),
        ),
        (
            280,
            (
                table(
                    "Deployments",
                    [
                        "dora_deployments.repo",
                        "dora_deployments.deployed_at",
                        "dora_deployments.environment",
                        "dora_deployments.succeeded",
                        "dora_deployments.prs_shipped",
                    ],
                ),
                table(
                    "Changes",
                    [
                        "dora_changes.repo",
                        "dora_changes.pr_number",
                        "dora_changes.merged_at",
                        "dora_changes.lead_time_minutes",
                        "dora_changes.attribution",
                    ],
                ),
                table(
                    "Incidents",
                    [
                        "dora_incidents.repo",
                        "dora_incidents.source",
                        "dora_incidents.opened_at",
                        "dora_incidents.recovery_minutes",
                        "dora_incidents.attribution",
                    ],
                ),
            ),
        ),
    ),
)

VELOCITY = Page(
    "velocity",
    "Velocity",
    (
        _slicers("repo", "team"),
        _cards(
            "PRs opened",
            "PRs merged",
            "Cycle time median (minutes)",
            "Cycle time p75 (minutes)",
            "Cycle time sample (PRs)",
            "PR size median (lines)",
            "Reviews per PR",
            "PRs merged without review",
        ),
        (
            260,
            (
                chart(
                    "columnChart",
                    "PRs opened per week",
                    "Date.Week start",
                    ["PRs opened"],
                    series="velocity_pull_requests.author_kind",
                    what="PRs opened, humans, bots and Copilot as separate series.",
                ),
                chart(
                    "columnChart",
                    "PRs merged per week",
                    "Date.Week start",
                    ["PRs merged"],
                    series="velocity_pull_requests.author_kind",
                    what="Merged PRs by the week they were opened, per author kind.",
                ),
            ),
        ),
        (
            260,
            (
                chart(
                    "clusteredColumnChart",
                    "Cycle time stages (median)",
                    "Date.Week start",
                    [
                        "Coding time median (minutes)",
                        "Pickup time median (minutes)",
                        "Review time median (minutes)",
                    ],
                    what="Human PRs: first commit → ready → first review → merge, minutes.",
                ),
                chart(
                    "clusteredColumnChart",
                    "Cycle time stages (p75)",
                    "Date.Week start",
                    [
                        "Coding time p75 (minutes)",
                        "Pickup time p75 (minutes)",
                        "Review time p75 (minutes)",
                    ],
                    what="75th percentile of each stage, human PRs, minutes.",
                ),
            ),
        ),
        (
            300,
            (
                table(
                    "Per developer",
                    [
                        "User.user_login",
                        "[Human PRs merged]",
                        "[Cycle time median (minutes)]",
                        "[Cycle time p75 (minutes)]",
                        "[Cycle time sample (PRs)]",
                        "[PR size median (lines)]",
                        "[Reviews given]",
                    ],
                    "Human authors only; every median with its sample size.",
                ),
            ),
        ),
    ),
)

DATA = Page(
    "data",
    "Data",
    (
        (90, (slicer("Enterprise.enterprise_id", "Enterprise"),)),
        _cards("Last successful run", "Runs", "Runs not ok", "Exported rows"),
        (
            200,
            (
                table(
                    "Freshness per enterprise",
                    [
                        "Enterprise.enterprise_id",
                        "[Last successful run]",
                        "[Runs]",
                        "[Runs not ok]",
                    ],
                    "Last run with status ok per enterprise (collection_runs, UTC).",
                ),
            ),
        ),
        (
            300,
            (
                table(
                    "Collection runs",
                    [
                        "collection_runs.enterprise_id",
                        "collection_runs.run_id",
                        "collection_runs.started_at",
                        "collection_runs.finished_at",
                        "collection_runs.status",
                        "collection_runs.requests",
                        "collection_runs.errors",
                    ],
                ),
            ),
        ),
        (
            300,
            (
                table(
                    "Export files and lineage",
                    [
                        "export_files.name",
                        "export_files.rows",
                        "export_files.sha256",
                        "export_files.archive_head",
                        "export_files.definitions",
                    ],
                    "manifest.json: files, rows, hashes, archive head and definition versions.",
                ),
            ),
        ),
    ),
)

PAGES = (COPILOT, SPEND, DORA, VELOCITY, DATA)


def _dump(doc: JSON) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def page_files(page: Page) -> dict[str, str]:
    """page.json and every visual.json of one page, by path under `definition/pages/`."""
    files: dict[str, str] = {}
    y = MARGIN
    order = 0
    for height, visuals in page.rows:
        width = (PAGE_WIDTH - 2 * MARGIN - GAP * (len(visuals) - 1)) // len(visuals)
        for i, visual in enumerate(visuals):
            order += 1
            name = f"{page.name}_{order:02d}"
            box = (MARGIN + i * (width + GAP), y, width, height)
            doc = container(SCHEMAS["visual"], name, visual, box, order)
            files[f"{page.name}/visuals/{name}/visual.json"] = _dump(doc)
        y += height + GAP
    page_doc = {
        "$schema": SCHEMAS["page"],
        "name": page.name,
        "displayName": page.title,
        "displayOption": "FitToWidth",
        "height": max(720, y + MARGIN),
        "width": PAGE_WIDTH,
    }
    files[f"{page.name}/page.json"] = _dump(page_doc)
    return files


def report_files(model_folder: str) -> dict[str, str]:
    """Every file of `<name>.Report/`, by relative path."""
    files = {
        "definition.pbir": _dump(
            {
                "$schema": SCHEMAS["definition.pbir"],
                "version": "4.0",
                "datasetReference": {"byPath": {"path": f"../{model_folder}"}},
            }
        ),
        "definition/version.json": _dump({"$schema": SCHEMAS["version"], "version": "2.0.0"}),
        "definition/report.json": _dump({"$schema": SCHEMAS["report"], "themeCollection": {}}),
        "definition/pages/pages.json": _dump(
            {
                "$schema": SCHEMAS["pages"],
                "pageOrder": [p.name for p in PAGES],
                "activePageName": PAGES[0].name,
            }
        ),
    }
    for page in PAGES:
        for path, text in page_files(page).items():
            files[f"definition/pages/{path}"] = text
    return files


def visuals_in(files: dict[str, str]) -> list[tuple[str, Field]]:
    """(path, field) of every field used by a visual.json among `files`."""
    found = []
    for path, text in files.items():
        if not path.endswith("visual.json"):
            continue
        state = json.loads(text)["visual"]["query"]["queryState"]
        for role in state.values():
            for projection in role["projections"]:
                ((kind, ref),) = projection["field"].items()
                entity = ref["Expression"]["SourceRef"]["Entity"]
                found.append((path, Field(kind, entity, ref["Property"])))
    return found
