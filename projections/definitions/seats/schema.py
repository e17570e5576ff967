"""copilot_seats (design §5): columns, key, indexes."""

from __future__ import annotations

from projections.engine.table import INT, T, Table, table

TABLES: tuple[Table, ...] = (
    table(
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
)
