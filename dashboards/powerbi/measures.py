"""DAX measures: every headline number of the dashboards, with its format string.

Measures only select and add up what metrics.db holds; they compute no new metric (design §6).
Three rules keep them honest:

- **Scope rows.** Several tables hold roll-up rows beside detail rows (design §5: `''` in a key
  means "all"). A measure reads the roll-up that matches the filters: enterprise rows unless an
  organization (or repository, or user) is filtered, then that level's rows; never both.
- **Snapshots are read on the last day in context** (active users, seats, DORA periods): a
  7-day or 28-day count cannot be added up over days.
- **Medians are never averaged.** A DORA median is shown only when one period row is in context;
  velocity medians and p75 are taken over the pull requests in context with the same
  interpolation as `projections/stats.py` (PERCENTILE.INC), human authors only, and every median
  has a sample-size measure beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

INT, DEC, PCT, MIN, MONEY, DAY, STAMP = (
    "#,0",
    "#,0.00",
    "0.0%",
    "#,0.0",
    "\\$#,0.00",
    "yyyy-mm-dd",
    "yyyy-mm-dd hh:nn",
)


@dataclass(frozen=True, slots=True)
class Measure:
    """A DAX measure with its home table, format string and display folder."""

    table: str
    name: str
    expression: str
    format_string: str
    folder: str
    description: str


# --- Copilot ------------------------------------------------------------------------------------

_CD = "copilot_daily_metrics"
_SCOPE = 'VAR Scope = IF(ISFILTERED(\'Organization\'), "organization", "enterprise")\n'


def _latest_day(column: str) -> str:
    return (
        _SCOPE
        + f"VAR Scoped = FILTER({_CD}, {_CD}[scope] = Scope)\n"
        + f"VAR LastDay = MAXX(Scoped, {_CD}[day])\n"
        + f"RETURN SUMX(FILTER(Scoped, {_CD}[day] = LastDay), {_CD}[{column}])"
    )


def _period_sum(column: str) -> str:
    return _SCOPE + f"RETURN SUMX(FILTER({_CD}, {_CD}[scope] = Scope), {_CD}[{column}])"


_BD = "copilot_breakdown_daily"
_BD_DIMENSION = (
    "VAR Dimension = SWITCH(TRUE(),\n"
    f'    ISINSCOPE({_BD}[language]), "language_feature",\n'
    f'    ISINSCOPE({_BD}[model]), "model_feature",\n'
    f'    ISINSCOPE({_BD}[ide]), "ide",\n'
    '    "feature")\n'
)
_COMPLETION = (
    _SCOPE + f'VAR Rows = FILTER({_BD}, {_BD}[scope] = Scope && {_BD}[dimension] = "feature"'
    f' && {_BD}[feature] = "code_completion")\n'
)


def _breakdown_sum(column: str) -> str:
    return (
        _SCOPE
        + _BD_DIMENSION
        + f"RETURN SUMX(FILTER({_BD}, {_BD}[scope] = Scope && {_BD}[dimension] = Dimension), "
        + f"{_BD}[{column}])"
    )


_SEATS = "copilot_seats"
_LAST_SNAPSHOT = (
    f"VAR LastSnapshot = CALCULATE(MAX({_SEATS}[snapshot_day]), "
    f"REMOVEFILTERS({_SEATS}[user_login], {_SEATS}[org]))\n"
    f"VAR Seats = FILTER({_SEATS}, {_SEATS}[snapshot_day] = LastSnapshot)\n"
)


def _seats(condition: str) -> str:
    rows = "Seats" if not condition else f"FILTER(Seats, {condition})"
    return _LAST_SNAPSHOT + f"RETURN COUNTROWS({rows}) + 0"


def copilot() -> list[Measure]:
    """Adoption: active users, seats, acceptance, breakdowns, PRs by Copilot."""
    f = "Copilot adoption"
    out = [
        Measure(_CD, label, _latest_day(col), INT, f, f"{col} on the last day in context.")
        for label, col in [
            ("Daily active users", "daily_active_users"),
            ("Weekly active users", "weekly_active_users"),
            ("Monthly active users", "monthly_active_users"),
            ("Monthly active chat users", "monthly_active_chat_users"),
            ("Monthly active agent users", "monthly_active_agent_users"),
            ("Daily active CLI users", "daily_active_cli_users"),
        ]
    ]
    out += [
        Measure(_CD, label, _period_sum(col), INT, f, f"Σ {col} over the days in context.")
        for label, col in [
            ("PRs created by Copilot", "pr_total_created_by_copilot"),
            ("PRs reviewed by Copilot", "pr_total_reviewed_by_copilot"),
            ("PRs created", "pr_total_created"),
            ("Interactions", "user_initiated_interaction_count"),
        ]
    ]
    out += [
        Measure(
            _BD,
            "Acceptance rate (count)",
            _COMPLETION
            + f"RETURN DIVIDE(SUMX(Rows, {_BD}[code_acceptance_activity_count]), "
            + f"SUMX(Rows, {_BD}[code_generation_activity_count]))",
            PCT,
            f,
            "Σ acceptances ÷ Σ generations, feature code_completion (completion_acceptance_rate).",
        ),
        Measure(
            _BD,
            "Acceptance rate (lines)",
            _COMPLETION
            + f"RETURN DIVIDE(SUMX(Rows, {_BD}[loc_added_sum]), "
            + f"SUMX(Rows, {_BD}[loc_suggested_to_add_sum]))",
            PCT,
            f,
            "Σ lines added ÷ Σ lines suggested to add, feature code_completion.",
        ),
        Measure(
            _BD,
            "Code generations",
            _breakdown_sum("code_generation_activity_count"),
            INT,
            f,
            "Σ generations from the breakdown rows of the grouped dimension.",
        ),
        Measure(
            _BD,
            "Code acceptances",
            _breakdown_sum("code_acceptance_activity_count"),
            INT,
            f,
            "Σ acceptances from the breakdown rows of the grouped dimension.",
        ),
        Measure(
            _BD,
            "Breakdown acceptance rate",
            "DIVIDE([Code acceptances], [Code generations])",
            PCT,
            f,
            "Acceptances ÷ generations per language, IDE, model or feature.",
        ),
        Measure(
            "copilot_user_metrics",
            "Active users (users report)",
            "DISTINCTCOUNT(copilot_user_metrics[user_id]) + 0",
            INT,
            f,
            "Distinct users with a row in the users report in context (team comparison).",
        ),
        Measure(
            "copilot_user_metrics",
            "Acceptance rate, all features (users report)",
            "DIVIDE(SUM(copilot_user_metrics[code_acceptance_activity_count]), "
            "SUM(copilot_user_metrics[code_generation_activity_count]))",
            PCT,
            f,
            "Σ acceptances ÷ Σ generations of the users in context, every feature.",
        ),
    ]
    seats = [
        ("Assigned seats", "", "Seats in the last seat snapshot in context."),
        (
            "Active seats (30 days)",
            f"NOT ISBLANK({_SEATS}[inactive_days]) && {_SEATS}[inactive_days] < 30",
            "Seats active within 30 days of the last snapshot.",
        ),
        ("Seats never used", f"ISBLANK({_SEATS}[inactive_days])", "Seats with no activity."),
    ]
    seats += [
        (
            f"Seats inactive {n}+ days",
            f"NOT ISBLANK({_SEATS}[inactive_days]) && {_SEATS}[inactive_days] >= {n}",
            f"Seats last active {n} or more days before the snapshot.",
        )
        for n in (7, 30, 90)
    ]
    out += [Measure(_SEATS, name, _seats(cond), INT, f, d) for name, cond, d in seats]
    out.append(
        Measure(
            _SEATS,
            "Seats in last snapshot",
            _LAST_SNAPSHOT + "RETURN COUNTROWS(Seats)",
            INT,
            f,
            "Seats of the last snapshot in context; blank for a seat no longer assigned.",
        )
    )
    out.append(
        Measure(
            _SEATS,
            "Seat last activity",
            _LAST_SNAPSHOT + f"RETURN MAXX(Seats, {_SEATS}[last_activity_at])",
            STAMP,
            f,
            "last_activity_at (UTC) of the seat(s) in context, last snapshot.",
        )
    )
    out.append(
        Measure(
            _SEATS,
            "Seat inactive days",
            _LAST_SNAPSHOT + f"RETURN MAXX(Seats, {_SEATS}[inactive_days])",
            INT,
            f,
            "inactive_days of the seat(s) in context, last snapshot (the seat list).",
        )
    )
    out.append(
        Measure(
            _SEATS,
            "Seat utilisation",
            "DIVIDE([Active seats (30 days)], [Assigned seats])",
            PCT,
            f,
            "Active seats ÷ assigned seats.",
        )
    )
    return out


# --- Spend --------------------------------------------------------------------------------------

_PR = "copilot_premium_requests"
_SPEND_ROWS = (
    "VAR ByUser = ISFILTERED('User')\n"
    "VAR ByOrg = ISFILTERED('Organization')\n"
    f'VAR Rows = FILTER({_PR}, IF(ByUser, {_PR}[user_login] <> "", '
    f'{_PR}[user_login] = "" && IF(ByOrg, {_PR}[org] <> "", {_PR}[org] = "")))\n'
)
_LAST_SPEND_DAY = (
    f"VAR LastDay = CALCULATE(MAX({_PR}[day]), ALL('Date'))\n"
    "VAR MonthStart = DATE(YEAR(LastDay), MONTH(LastDay), 1)\n"
)


def spend() -> list[Measure]:
    """Spend: gross, discount, net, month to date, last month, per user and per seat."""
    f = "Spend"
    out = [
        Measure(_PR, label, _SPEND_ROWS + f"RETURN SUMX(Rows, {_PR}[{col}])", MONEY, f, desc)
        for label, col, desc in [
            ("Gross spend", "gross_amount", "Σ gross_amount (enterprise, org or user rows)."),
            ("Discount", "discount_amount", "Σ discount_amount."),
            ("Net spend", "net_amount", "Σ net_amount = gross − discount, as billed."),
            ("Gross quantity", "gross_quantity", "Σ gross_quantity (requests or credits)."),
        ]
    ]
    out[-1] = Measure(_PR, out[-1].name, out[-1].expression, DEC, f, out[-1].description)
    out += [
        Measure(
            _PR,
            "Net spend month to date",
            _LAST_SPEND_DAY
            + "RETURN CALCULATE([Net spend], "
            + "FILTER(ALL('Date'[Date]), 'Date'[Date] >= MonthStart && 'Date'[Date] <= LastDay))",
            MONEY,
            f,
            "Net spend from the first of the month of the last billed day to that day.",
        ),
        Measure(
            _PR,
            "Net spend last month",
            _LAST_SPEND_DAY
            + "RETURN CALCULATE([Net spend], FILTER(ALL('Date'[Date]), "
            + "'Date'[Date] >= EDATE(MonthStart, -1) && 'Date'[Date] < MonthStart))",
            MONEY,
            f,
            "Net spend of the calendar month before the last billed day's month.",
        ),
        Measure(
            _PR,
            "Net spend per active user",
            "DIVIDE([Net spend], [Monthly active users])",
            MONEY,
            f,
            "Net spend in context ÷ monthly active users on the last day.",
        ),
        Measure(
            _PR,
            "Net spend per seat",
            "DIVIDE([Net spend], [Assigned seats])",
            MONEY,
            f,
            "Net spend in context ÷ seats in the last snapshot.",
        ),
    ]
    return out


# --- DORA ---------------------------------------------------------------------------------------

_DM = "dora_metrics"
_DORA_ROWS = (
    f'VAR Gran = SELECTEDVALUE({_DM}[granularity], "month")\n'
    "VAR ByRepo = ISFILTERED('Repository')\n"
    "VAR ByOrg = ISFILTERED('Organization')\n"
    f'VAR Scoped = FILTER({_DM}, {_DM}[granularity] = Gran && IF(ByRepo, {_DM}[repo] <> "", '
    f'IF(ByOrg, {_DM}[org] <> "" && {_DM}[repo] = "", {_DM}[org] = "" && {_DM}[repo] = "")))\n'
    f"VAR LastPeriod = MAXX(Scoped, {_DM}[period_start])\n"
    f"VAR Latest = FILTER(Scoped, {_DM}[period_start] = LastPeriod)\n"
)


def _dora_sum(column: str) -> str:
    return _DORA_ROWS + f"RETURN SUMX(Latest, {_DM}[{column}])"


def _dora_one(column: str) -> str:
    return _DORA_ROWS + f"RETURN IF(COUNTROWS(Latest) = 1, MAXX(Latest, {_DM}[{column}]))"


def _dora_level(column: str) -> str:
    return _DORA_ROWS + f"RETURN IF(COUNTROWS(Latest) = 1, CONCATENATEX(Latest, {_DM}[{column}]))"


def dora() -> list[Measure]:
    """DORA four keys and rework rate of the last period in context, levels and sample sizes."""
    f = "DORA"
    rows: list[tuple[str, Callable[[str], str], str, str, str]] = [
        ("Deployments", _dora_sum, "deployments", INT, "Deployments in the period."),
        ("Deployment days", _dora_sum, "deployment_days", INT, "Distinct deployment days."),
        (
            "Deployment days per week (median)",
            _dora_one,
            "median_deployment_days_per_week",
            DEC,
            "Median deployment days per week: what the frequency level is read from.",
        ),
        ("Deployment frequency level", _dora_level, "df_level", "", "df_level (benchmark)."),
        ("Lead time median (minutes)", _dora_one, "lead_time_median_minutes", MIN, "Median."),
        ("Lead time p75 (minutes)", _dora_one, "lead_time_p75_minutes", MIN, "75th percentile."),
        ("Lead time sample (changes)", _dora_sum, "changes", INT, "PRs behind the lead time."),
        ("Lead time level", _dora_level, "lt_level", "", "lt_level (benchmark)."),
        ("Change failure rate", _dora_one, "change_failure_rate", PCT, "Failed ÷ deployments."),
        ("Failed deployments", _dora_sum, "failed_deployments", INT, "Deployments that failed."),
        ("Change failure level", _dora_level, "cfr_level", "", "cfr_level (benchmark)."),
        ("Recovery median (minutes)", _dora_one, "recovery_median_minutes", MIN, "Median."),
        ("Recovery p75 (minutes)", _dora_one, "recovery_p75_minutes", MIN, "75th percentile."),
        ("Recovery sample (incidents)", _dora_sum, "incidents", INT, "Incidents behind it."),
        ("Recovery level", _dora_level, "recovery_level", "", "recovery_level (benchmark)."),
        ("Rework rate", _dora_one, "rework_rate", PCT, "Share of deployments that are rework."),
    ]
    return [
        Measure(_DM, name, build(col), fmt, f, f"{desc} Last period in context.")
        for name, build, col, fmt, desc in rows
    ]


# --- Velocity -----------------------------------------------------------------------------------

_VP = "velocity_pull_requests"
_HUMAN_MERGED = (
    f'VAR Merged = FILTER({_VP}, {_VP}[author_kind] = "human" && NOT ISBLANK({_VP}[merged_at]))\n'
)


def _stat(column: str, q: float | None) -> str:
    rows = f"FILTER(Merged, NOT ISBLANK({_VP}[{column}]))"
    if q is None:
        return _HUMAN_MERGED + f"RETURN COUNTROWS({rows}) + 0"
    if q == 0.5:
        return _HUMAN_MERGED + f"RETURN MEDIANX({rows}, {_VP}[{column}])"
    return _HUMAN_MERGED + f"RETURN PERCENTILEX.INC({rows}, {_VP}[{column}], {q})"


def velocity() -> list[Measure]:
    """Velocity: PR counts (every author kind), human cycle-time stages with samples."""
    f = "Velocity"
    out = [
        Measure(_VP, "PRs opened", f"COUNTROWS({_VP}) + 0", INT, f, "PRs opened in context."),
        Measure(
            _VP,
            "PRs merged",
            f"COUNTROWS(FILTER({_VP}, NOT ISBLANK({_VP}[merged_at]))) + 0",
            INT,
            f,
            "PRs merged, by the day they were opened.",
        ),
        Measure(
            _VP,
            "Human PRs merged",
            _HUMAN_MERGED + "RETURN COUNTROWS(Merged) + 0",
            INT,
            f,
            "Merged PRs of human authors (bots and agents excluded).",
        ),
    ]
    for stage in ("cycle", "coding", "pickup", "review"):
        col = f"{stage}_minutes"
        title = stage.capitalize()
        out += [
            Measure(_VP, f"{title} time median (minutes)", _stat(col, 0.5), MIN, f, "Median."),
            Measure(_VP, f"{title} time p75 (minutes)", _stat(col, 0.75), MIN, f, "p75."),
            Measure(_VP, f"{title} time sample (PRs)", _stat(col, None), INT, f, "Sample."),
        ]
    out += [
        Measure(
            _VP,
            "PR size median (lines)",
            _HUMAN_MERGED + f"RETURN MEDIANX(Merged, {_VP}[additions] + {_VP}[deletions])",
            INT,
            f,
            "Median additions + deletions of human merged PRs.",
        ),
        Measure(
            _VP,
            "Reviews per PR",
            _HUMAN_MERGED + f"RETURN AVERAGEX(Merged, {_VP}[reviews])",
            DEC,
            f,
            "Mean reviews per human merged PR.",
        ),
        Measure(
            _VP,
            "PRs merged without review",
            _HUMAN_MERGED + f"RETURN COUNTROWS(FILTER(Merged, {_VP}[reviews] = 0)) + 0",
            INT,
            f,
            "Human merged PRs with no review.",
        ),
        Measure(
            "velocity_metrics",
            "Reviews given",
            "SUM(velocity_metrics[reviews_given]) + 0",
            INT,
            f,
            "Σ reviews_given of the developers in context.",
        ),
    ]
    return out


# --- Data freshness -----------------------------------------------------------------------------


def freshness() -> list[Measure]:
    """Collection runs and the export manifest."""
    f = "Data"
    return [
        Measure(
            "collection_runs",
            "Last successful run",
            'CALCULATE(MAX(collection_runs[finished_at]), collection_runs[status] = "ok")',
            STAMP,
            f,
            "finished_at of the last run with status ok (UTC).",
        ),
        Measure("collection_runs", "Runs", "COUNTROWS(collection_runs) + 0", INT, f, "Runs."),
        Measure(
            "collection_runs",
            "Runs not ok",
            'COUNTROWS(FILTER(collection_runs, collection_runs[status] <> "ok")) + 0',
            INT,
            f,
            "Runs that were partial, failed or interrupted.",
        ),
        Measure(
            "export_files",
            "Exported rows",
            "SUM(export_files[rows]) + 0",
            INT,
            f,
            "Rows in the export files listed by manifest.json.",
        ),
    ]


def all_measures() -> list[Measure]:
    """Every measure, in display order."""
    return [*copilot(), *spend(), *dora(), *velocity(), *freshness()]
