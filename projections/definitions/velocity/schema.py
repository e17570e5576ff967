"""The velocity tables (design §5): columns, keys, indexes."""

from __future__ import annotations

from projections.engine.table import INT, R, T, Table, table

TABLES: tuple[Table, ...] = (
    table(
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
    table(
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
)
