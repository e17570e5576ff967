"""collection_runs (design §5): columns, key, indexes."""

from __future__ import annotations

from projections.engine.table import INT, T, Table, table

TABLES: tuple[Table, ...] = (
    table(
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
)
