"""copilot_premium_requests (design §5): columns, key, indexes."""

from __future__ import annotations

from projections.engine.table import R, T, Table, table

TABLES: tuple[Table, ...] = (
    table(
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
)
