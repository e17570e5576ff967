"""The five pages of the report: their filters, cards and charts, each with a title and a one-line
definition of its metric. The page's script (assets/report.js) has one function per card and per
chart id below that turns the filtered datasets into a table of numbers; the chart draws that table
and its "Numbers" button shows it and downloads it as CSV.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FILTERS = ("enterprise", "org", "repo", "team", "range", "grain")


@dataclass(frozen=True, slots=True)
class Card:
    """A headline number."""

    id: str
    label: str
    definition: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart (or a table) over one table of numbers."""

    id: str
    title: str
    definition: str
    wide: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """A tab of the report."""

    id: str
    title: str
    filters: tuple[str, ...]
    cards: tuple[Card, ...] = ()
    charts: tuple[Chart, ...] = field(default=())


_ALL_BUT_REPO_TEAM = ("enterprise", "org", "range", "grain")

PAGES: tuple[Page, ...] = (
    Page(
        "copilot",
        "Copilot adoption",
        ("enterprise", "org", "team", "range", "grain"),
        cards=(
            Card(
                "dau",
                "Daily active users",
                "Users active on the last day of the range "
                "(copilot_daily_metrics.daily_active_users).",
            ),
            Card(
                "wau",
                "Weekly active users",
                "Users active in the 7 days ending on the last day of the range.",
            ),
            Card(
                "mau",
                "Monthly active users",
                "Users active in the 28 days ending on the last day of the range.",
            ),
            Card(
                "seats",
                "Active / assigned seats",
                "Seats used in the last 30 days of the "
                "latest seat snapshot, of all assigned seats.",
            ),
            Card("chat", "Chat users", "Monthly active chat users on the last day."),
            Card("agent", "Agent users", "Monthly active agent users on the last day."),
            Card("cli", "CLI users", "Daily active CLI users on the last day."),
            Card(
                "acc_count",
                "Acceptance by count",
                "Σ accepted ÷ Σ generated suggestions over the range (all features).",
            ),
            Card(
                "acc_lines",
                "Acceptance by lines",
                "Σ lines added ÷ Σ lines suggested to add over the range.",
            ),
        ),
        charts=(
            Chart(
                "active_trend",
                "Active users",
                "Daily, weekly and monthly active users as "
                "reported for each day (last day of each week or month).",
                wide=True,
            ),
            Chart(
                "acceptance_trend",
                "Acceptance rate",
                "Σ accepted ÷ Σ generated, and Σ lines added ÷ Σ lines suggested, per period.",
            ),
            Chart(
                "phases",
                "Adoption phase",
                "Users per AI adoption phase, by the phase of "
                "each user's last active day in the period.",
            ),
            Chart(
                "by_language",
                "By language",
                "Code generations and acceptances per language "
                "in the weeks of the range (copilot_breakdown_daily).",
            ),
            Chart(
                "by_ide",
                "By IDE",
                "Code generations and acceptances per IDE in the weeks of the range.",
            ),
            Chart(
                "by_model",
                "By model",
                "Code generations and acceptances per model in the weeks of the range.",
            ),
            Chart(
                "by_feature",
                "By feature",
                "Interactions and generations per feature in the weeks of the range.",
            ),
            Chart(
                "teams",
                "Team comparison",
                "Active users, and Σ accepted ÷ Σ generated, per "
                "team (copilot_user_teams) over the range.",
                wide=True,
            ),
            Chart(
                "copilot_prs",
                "Pull requests and Copilot",
                "Pull requests created and reviewed in total and by Copilot, summed per period.",
            ),
            Chart(
                "seat_activity",
                "Seat activity",
                "Seats of the latest snapshot by days since their last activity.",
            ),
            Chart(
                "seat_list",
                "Seats never used or inactive 7+ days",
                "The seats of the latest "
                "snapshot with no activity in the last 7 days, longest inactive first.",
                wide=True,
            ),
        ),
    ),
    Page(
        "spend",
        "Spend",
        _ALL_BUT_REPO_TEAM,
        cards=(
            Card(
                "gross_mtd",
                "Gross, month to date",
                "Σ gross amount from the 1st of the last month in the range to its last day "
                "(USD), beside the whole month before.",
            ),
            Card("discount_mtd", "Discount, month to date", "Σ discount amount, month to date."),
            Card("net_mtd", "Net, month to date", "Σ net amount, month to date."),
            Card("net_last_month", "Net, last month", "Σ net amount over the whole month before."),
            Card(
                "per_user",
                "Net per active user",
                "Σ net amount over the range ÷ monthly active users on its last day.",
            ),
            Card(
                "per_seat",
                "Net per seat",
                "Σ net amount over the range ÷ assigned seats in the latest snapshot.",
            ),
        ),
        charts=(
            Chart(
                "daily_cost",
                "Daily net cost by model",
                "Σ net amount per day and model.",
                wide=True,
            ),
            Chart(
                "spend_trend",
                "Spend per period",
                "Σ gross, discount and net amount per week or month.",
                wide=True,
            ),
            Chart("by_sku", "By SKU", "Σ gross, discount and net amount per SKU over the range."),
            Chart("by_org", "By organization", "Σ net amount per organization over the range."),
            Chart(
                "top_users",
                "Top users",
                "Σ gross and net amount per user over the range (when billing.per_user is on).",
                wide=True,
            ),
        ),
    ),
    Page(
        "dora",
        "DORA",
        ("enterprise", "org", "repo", "range", "grain"),
        cards=(
            Card(
                "deployments",
                "Deployments",
                "Σ production deployments in the periods of the "
                "range (dora_metrics at the selected scope).",
            ),
            Card(
                "changes",
                "Changes with a lead time",
                "Σ merged PRs deployed in the periods (the sample size of lead time).",
            ),
            Card(
                "failed", "Failed deployments", "Σ deployments followed by an attributed incident."
            ),
            Card("incidents", "Incidents", "Σ incidents in the periods."),
        ),
        charts=(
            Chart(
                "dora_table",
                "DORA per repository",
                "Each repository and period as "
                "metrics.db holds it: level from the configured benchmark, sample size (n) "
                "beside every median.",
                wide=True,
            ),
            Chart(
                "df_trend",
                "Deployment frequency",
                "Deployment days per period; bars coloured by the deployment-frequency level.",
            ),
            Chart(
                "lt_trend",
                "Lead time for changes (median, hours)",
                "Median first commit → production deployment per period; coloured by level.",
            ),
            Chart(
                "cfr_trend",
                "Change failure rate",
                "Failed ÷ all deployments per period; coloured by level.",
            ),
            Chart(
                "rec_trend",
                "Recovery time (median, hours)",
                "Median failed deployment → recovery per period; coloured by level.",
            ),
            Chart(
                "rework_trend",
                "Rework rate",
                "Share of deployments shipping a revert or "
                "hotfix, or made while an incident was open.",
                wide=True,
            ),
            Chart(
                "dora_deployments",
                "Deployments behind the selection",
                "Deployments of the selected repository and period (click a row of the table).",
                wide=True,
            ),
            Chart(
                "dora_changes",
                "Changes behind the selection",
                "Merged PRs of the selected repository and period, with their lead time.",
                wide=True,
            ),
            Chart(
                "dora_incidents",
                "Incidents behind the selection",
                "Incidents of the selected repository and period, with how each was attributed.",
                wide=True,
            ),
        ),
    ),
    Page(
        "velocity",
        "Velocity",
        ("enterprise", "org", "repo", "team", "range", "grain"),
        cards=(
            Card("opened", "PRs opened", "Pull requests created in the range (all authors)."),
            Card("merged", "PRs merged", "Pull requests merged in the range (all authors)."),
            Card(
                "cycle_median",
                "Human cycle time (median, hours)",
                "Median first commit → merge of human PRs merged in the range.",
            ),
            Card(
                "no_review",
                "Merged without review",
                "Human PRs merged in the range with no review.",
            ),
        ),
        charts=(
            Chart(
                "prs_weekly",
                "PRs opened and merged",
                "Pull requests opened (left bar) and merged (right bar) per period; "
                "bots and Copilot are their own series.",
            ),
            Chart(
                "cycle_stages",
                "Cycle time by stage (hours)",
                "Median and p75 of coding, pickup and review time of human PRs merged per period.",
            ),
            Chart(
                "cycle_kinds",
                "Cycle time by author kind (median, hours)",
                "Median cycle time of PRs merged per period, humans, bots and Copilot apart.",
            ),
            Chart(
                "pr_size",
                "PR size (median lines)",
                "Median additions + deletions of human PRs merged per period.",
            ),
            Chart(
                "reviews_per_pr", "Reviews per PR", "Σ reviews ÷ PRs merged per period, human PRs."
            ),
            Chart(
                "no_review_trend",
                "Merged without review",
                "PRs merged with no review per period, by author kind.",
            ),
            Chart(
                "developers",
                "Developers",
                "Per developer over the range: PRs, commits, "
                "reviews given (velocity_metrics) and median cycle time with its sample size "
                "(human PRs).",
                wide=True,
            ),
        ),
    ),
    Page(
        "data",
        "Data",
        ("enterprise", "range"),
        cards=(
            Card(
                "last_run",
                "Last successful run",
                "The latest collection run with status ok (collection_runs).",
            ),
            Card(
                "runs", "Collection runs", "Collection runs in metrics.db (shown: the latest 500)."
            ),
            Card("tables", "Tables", "Projection tables recorded in metrics.db."),
        ),
        charts=(
            Chart(
                "freshness",
                "Freshness per enterprise",
                "Last successful run, last run and its status per enterprise.",
                wide=True,
            ),
            Chart(
                "run_events",
                "Events per run",
                "Events stored by each collection run, coloured by status.",
            ),
            Chart(
                "run_requests",
                "Requests per run",
                "Requests sent and answered 304 Not Modified per collection run.",
            ),
            Chart(
                "lineage",
                "Lineage",
                "Definition version, archive head and rows of each "
                "table — the lineage of the export's manifest.json.",
                wide=True,
            ),
        ),
    ),
)


def pages_json() -> list[dict[str, Any]]:
    """The page specs as the page's script reads them."""
    return [asdict(p) for p in PAGES]
