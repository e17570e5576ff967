"""The tables of metrics.db (design §5, contract): columns in contract order, extras after.

Each table has a primary key (its contract key), a *metric date* column that `replay --from D`
filters on (see `window`: its first 10 characters compared with D, NULL counting as ≥ D; rows
standing for a week or month are compared by the period containing D), and indexes on the columns
Power BI and the CLI filter by. Types: TEXT dates/timestamps, INTEGER counts and 0/1, REAL minutes,
rates and money.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

T, INT, R = "TEXT", "INTEGER", "REAL"
COUNTERS = [
    ("user_initiated_interaction_count", INT),
    ("code_generation_activity_count", INT),
    ("code_acceptance_activity_count", INT),
    ("loc_suggested_to_add_sum", INT),
    ("loc_suggested_to_delete_sum", INT),
    ("loc_added_sum", INT),
    ("loc_deleted_sum", INT),
]

REPO_PR = (
    "total_created",
    "total_reviewed",
    "total_merged",
    "median_minutes_to_merge",
    "total_suggestions",
    "total_applied_suggestions",
    "total_created_by_copilot",
    "total_reviewed_by_copilot",
    "total_merged_created_by_copilot",
    "total_merged_reviewed_by_copilot",
    "median_minutes_to_merge_copilot_authored",
    "median_minutes_to_merge_copilot_reviewed",
    "total_copilot_suggestions",
    "total_copilot_applied_suggestions",
)
"""Fields of a repos-1-day record's `pull_requests` object, stored as `pr_<field>`."""
REVIEW_TIMES = (
    "review_total_merged",
    "median_minutes_ready_to_first_review",
    "p90_minutes_ready_to_first_review",
    "median_minutes_first_to_final_review",
    "p90_minutes_first_to_final_review",
    "median_minutes_final_review_to_merge",
    "p90_minutes_final_review_to_merge",
)
"""Columns from the human-authored, human-reviewed element of `pull_request_review_times`."""


@dataclass(frozen=True, slots=True)
class Table:
    """One projection table."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    date_column: str
    indexes: tuple[tuple[str, ...], ...] = ()
    period: str | None = None
    """For rows that stand for a period starting at date_column: `week`, or the name of the
    column that says `week`|`month` (see `window`); None for rows of one day or instant."""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(c for c, _ in self.columns)

    def sort_key(self) -> Callable[[tuple[object, ...]], Any]:
        """A key function ordering rows by the primary key (an `itemgetter`: C, no Python call
        per row; one key column gives the value itself, which orders as its 1-tuple would)."""
        return operator.itemgetter(*[self.column_names.index(c) for c in self.key])

    def ddl(self) -> str:
        """CREATE TABLE statement."""
        cols = ",\n  ".join(
            f"{c} {t}{' NOT NULL' if c in self.key else ''}" for c, t in self.columns
        )
        key = ", ".join(self.key)
        return f"CREATE TABLE {self.name} (\n  {cols},\n  PRIMARY KEY ({key})\n) WITHOUT ROWID"

    def index_ddl(self) -> list[str]:
        """CREATE INDEX statements (created after loading)."""
        return [
            f"CREATE INDEX ix_{self.name}_{'_'.join(cols)} ON {self.name} ({', '.join(cols)})"
            for cols in self.indexes
        ]

    def insert_sql(self) -> str:
        """INSERT statement with one placeholder per column."""
        marks = ", ".join("?" * len(self.columns))
        return f"INSERT INTO {self.name} ({', '.join(self.column_names)}) VALUES ({marks})"


def _t(
    name: str,
    cols: list[tuple[str, str]],
    key: tuple[str, ...],
    date_column: str,
    *indexes: tuple[str, ...],
    period: str | None = None,
) -> Table:
    return Table(name, tuple(cols), key, date_column, tuple(indexes), period)


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "copilot_daily_metrics",
            [
                ("enterprise_id", T),
                ("scope", T),
                ("org", T),
                ("day", T),
                ("daily_active_users", INT),
                ("weekly_active_users", INT),
                ("monthly_active_users", INT),
                ("monthly_active_chat_users", INT),
                ("monthly_active_agent_users", INT),
                ("daily_active_cli_users", INT),
                *COUNTERS,
                ("completion_acceptance_rate", R),
                ("pr_total_created", INT),
                ("pr_total_reviewed", INT),
                ("pr_total_merged", INT),
                ("pr_median_minutes_to_merge", R),
                ("pr_total_created_by_copilot", INT),
                ("pr_total_reviewed_by_copilot", INT),
                ("report_revisions", INT),
                ("source_event_id", T),
                ("pr_total_merged_created_by_copilot", INT),
                ("pr_total_suggestions", INT),
                ("pr_total_applied_suggestions", INT),
            ],
            ("enterprise_id", "scope", "org", "day"),
            "day",
            ("day",),
        ),
        _t(
            "copilot_breakdown_daily",
            [
                ("enterprise_id", T),
                ("scope", T),
                ("org", T),
                ("day", T),
                ("dimension", T),
                ("ide", T),
                ("feature", T),
                ("language", T),
                ("model", T),
                *COUNTERS,
            ],
            (
                "enterprise_id",
                "scope",
                "org",
                "day",
                "dimension",
                "ide",
                "feature",
                "language",
                "model",
            ),
            "day",
            ("day", "dimension"),
        ),
        _t(
            "copilot_user_metrics",
            [
                ("enterprise_id", T),
                ("day", T),
                ("user_id", INT),
                ("user_login", T),
                *COUNTERS,
                ("used_agent", INT),
                ("used_chat", INT),
                ("used_cli", INT),
                ("used_copilot_coding_agent", INT),
                ("used_copilot_code_review_active", INT),
                ("used_copilot_code_review_passive", INT),
                ("primary_ide", T),
                ("ai_adoption_phase", T),
                ("ai_credits_used", R),
                ("source_event_id", T),
                ("completion_acceptance_rate", R),
                ("report_org", T),
            ],
            ("enterprise_id", "day", "user_id"),
            "day",
            ("day",),
            ("user_login",),
        ),
        _t(
            "copilot_user_teams",
            [
                ("enterprise_id", T),
                ("day", T),
                ("user_id", INT),
                ("team_slug", T),
                ("user_login", T),
                ("org", T),
                ("team_id", INT),
            ],
            ("enterprise_id", "day", "user_id", "team_slug"),
            "day",
            ("day", "team_slug"),
        ),
        # extension (not in design §5): the repos-1-day report, one row per repository and day
        _t(
            "copilot_repo_metrics",
            [
                ("enterprise_id", T),
                ("day", T),
                ("repo", T),
                ("org", T),
                ("repo_id", INT),
                ("repo_visibility", T),
                *[(f"pr_{name}", INT if name.startswith("total") else R) for name in REPO_PR],
                *[(name, INT if name == "review_total_merged" else R) for name in REVIEW_TIMES],
                ("report_revisions", INT),
                ("source_event_id", T),
            ],
            ("enterprise_id", "day", "repo"),
            "day",
            ("day",),
            ("repo",),
        ),
        _t(
            "copilot_seats",
            [
                ("enterprise_id", T),
                ("snapshot_day", T),
                ("org", T),
                ("user_login", T),
                ("user_id", INT),
                ("plan_type", T),
                ("assigning_team", T),
                ("created_at", T),
                ("last_activity_at", T),
                ("last_activity_editor", T),
                ("last_authenticated_at", T),
                ("pending_cancellation_date", T),
                ("inactive_days", INT),
                ("source_event_id", T),
            ],
            ("enterprise_id", "snapshot_day", "org", "user_login"),
            "snapshot_day",
            ("snapshot_day",),
        ),
        _t(
            "copilot_premium_requests",
            [
                ("enterprise_id", T),
                ("day", T),
                ("org", T),
                ("user_login", T),
                ("source", T),
                ("product", T),
                ("sku", T),
                ("model", T),
                ("unit_type", T),
                ("price_per_unit", R),
                ("gross_quantity", R),
                ("gross_amount", R),
                ("discount_quantity", R),
                ("discount_amount", R),
                ("net_quantity", R),
                ("net_amount", R),
                ("source_event_id", T),
            ],
            ("enterprise_id", "day", "org", "user_login", "source", "product", "sku", "model"),
            "day",
            ("day",),
        ),
        _t(
            "dora_deployments",
            [
                ("enterprise_id", T),
                ("repo", T),
                ("deployment_key", T),
                ("org", T),
                ("environment", T),
                ("source", T),
                ("sha", T),
                ("deployed_at", T),
                ("succeeded", INT),
                ("is_baseline", INT),
                ("prs_shipped", INT),
                ("workflow_name", T),
            ],
            ("enterprise_id", "repo", "deployment_key"),
            "deployed_at",
            ("deployed_at",),
            ("org",),
        ),
        _t(
            "dora_changes",
            [
                ("enterprise_id", T),
                ("repo", T),
                ("pr_number", INT),
                ("org", T),
                ("author_login", T),
                ("first_commit_at", T),
                ("merged_at", T),
                ("deployment_key", T),
                ("deployed_at", T),
                ("lead_time_minutes", R),
                ("attribution", T),
            ],
            ("enterprise_id", "repo", "pr_number"),
            "merged_at",
            ("merged_at",),
            ("deployed_at",),
        ),
        _t(
            "dora_incidents",
            [
                ("enterprise_id", T),
                ("repo", T),
                ("incident_key", T),
                ("org", T),
                ("source", T),
                ("opened_at", T),
                ("resolved_at", T),
                ("deployment_key", T),
                ("attribution", T),
                ("recovery_minutes", R),
            ],
            ("enterprise_id", "repo", "incident_key"),
            "opened_at",
            ("opened_at",),
        ),
        _t(
            "dora_metrics",
            [
                ("enterprise_id", T),
                ("org", T),
                ("repo", T),
                ("granularity", T),
                ("period_start", T),
                ("deployments", INT),
                ("deployment_days", INT),
                ("lead_time_median_minutes", R),
                ("lead_time_p75_minutes", R),
                ("changes", INT),
                ("change_failure_rate", R),
                ("failed_deployments", INT),
                ("recovery_median_minutes", R),
                ("incidents", INT),
                ("rework_rate", R),
                ("df_level", T),
                ("lt_level", T),
                ("cfr_level", T),
                ("recovery_level", T),
                ("median_deployment_days_per_week", R),
                ("recovery_p75_minutes", R),
            ],
            ("enterprise_id", "org", "repo", "granularity", "period_start"),
            "period_start",
            ("granularity", "period_start"),
            period="granularity",
        ),
        _t(
            "velocity_pull_requests",
            [
                ("enterprise_id", T),
                ("repo", T),
                ("pr_number", INT),
                ("org", T),
                ("author_login", T),
                ("author_kind", T),
                ("created_at", T),
                ("ready_at", T),
                ("first_commit_at", T),
                ("first_review_at", T),
                ("merged_at", T),
                ("closed_at", T),
                ("additions", INT),
                ("deletions", INT),
                ("changed_files", INT),
                ("commits", INT),
                ("reviews", INT),
                ("coding_minutes", R),
                ("pickup_minutes", R),
                ("review_minutes", R),
                ("cycle_minutes", R),
            ],
            ("enterprise_id", "repo", "pr_number"),
            "created_at",
            ("created_at",),
            ("author_login",),
        ),
        _t(
            "velocity_metrics",
            [
                ("enterprise_id", T),
                ("org", T),
                ("user_login", T),
                ("week_start", T),
                ("prs_opened", INT),
                ("prs_merged", INT),
                ("commits", INT),
                ("additions", INT),
                ("deletions", INT),
                ("reviews_given", INT),
                ("median_cycle_minutes", R),
                ("median_coding_minutes", R),
                ("median_pickup_minutes", R),
                ("median_review_minutes", R),
                ("median_pr_size", R),
                ("p75_cycle_minutes", R),
                ("cycle_sample_size", INT),
            ],
            ("enterprise_id", "org", "user_login", "week_start"),
            "week_start",
            ("week_start",),
            period="week",
        ),
        _t(
            "collection_runs",
            [
                ("run_id", T),
                ("enterprise_id", T),
                ("started_at", T),
                ("finished_at", T),
                ("status", T),
                ("requests", INT),
                ("not_modified", INT),
                ("events", INT),
                ("bytes_received", INT),
                ("bytes_stored", INT),
                ("rate_limit_remaining_min", INT),
                ("errors", INT),
                ("charged", INT),
                ("error_messages", T),
                ("warnings", INT),
            ],
            ("run_id",),
            "started_at",
            ("started_at",),
        ),
    ]
}

META_DDL = (
    "CREATE TABLE _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE _table_versions (table_name TEXT PRIMARY KEY, version TEXT NOT NULL, "
    "archive_head TEXT, kept_before TEXT)",
)
