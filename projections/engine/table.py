"""A table of metrics.db: columns, primary key, metric date column, indexes (the engine's view).

Each family declares its tables in `definitions/<family>/schema.py`; `projections.schema`
gathers them. Types: TEXT dates/timestamps, INTEGER counts and 0/1, REAL minutes, rates, money.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

T, INT, R = "TEXT", "INTEGER", "REAL"


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


def table(
    name: str,
    cols: list[tuple[str, str]],
    key: tuple[str, ...],
    date_column: str,
    *indexes: tuple[str, ...],
    period: str | None = None,
) -> Table:
    """A Table from its columns, key, date column and indexes (each a tuple of column names)."""
    return Table(name, tuple(cols), key, date_column, tuple(indexes), period)
