"""The tables of metrics.db (design §5, contract): columns in contract order, extras after.

Each table has a primary key (its contract key), a *metric date* column that `replay --from D`
filters on (see `window`: its first 10 characters compared with D, NULL counting as ≥ D; rows
standing for a week or month are compared by the period containing D), and indexes on the columns
Power BI and the CLI filter by. Types: TEXT dates/timestamps, INTEGER counts and 0/1, REAL minutes,
rates and money. Each family declares its tables in `definitions/<family>/schema.py` (the class:
`engine.table.Table`); this module gathers them.
"""

from __future__ import annotations

from projections.definitions.copilot import schema as copilot
from projections.definitions.dora import schema as dora
from projections.definitions.premium import schema as premium
from projections.definitions.runs import schema as runs
from projections.definitions.seats import schema as seats
from projections.definitions.velocity import schema as velocity
from projections.engine.table import Table

__all__ = ["META_DDL", "TABLES", "Table"]

TABLES: dict[str, Table] = {
    t.name: t for family in (copilot, seats, premium, dora, velocity, runs) for t in family.TABLES
}
"""Every table, by name, in the order of the families (each declared in its folder's schema)."""

META_DDL = (
    "CREATE TABLE _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE _table_versions (table_name TEXT PRIMARY KEY, version TEXT NOT NULL, "
    "archive_head TEXT, kept_before TEXT)",
)
