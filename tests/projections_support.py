"""Helpers shared by the projection tests: build metrics.db from an event list and dump it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from archive.envelope import Event
from projections import TABLES, ListSource, ProjectReport, Settings, project, replay

Dump = dict[str, list[tuple[object, ...]]]


def quiet(_line: str) -> None:
    """Swallow progress lines."""


def build(events: Sequence[Event], db: Path, settings: Settings | None = None) -> ProjectReport:
    """Run `project` over an in-memory log."""
    return project(db.parent, db, settings or Settings(), source=ListSource(events), progress=quiet)


def do_replay(
    events: Sequence[Event], db: Path, day: str, tables: Sequence[str] | None = None
) -> ProjectReport:
    """Run `replay` over an in-memory log."""
    return replay(
        db.parent,
        db,
        Settings(),
        day,
        list(tables) if tables else None,
        source=ListSource(events),
        progress=quiet,
    )


def dump(db: Path) -> Dump:
    """Every projection table's rows, ordered by key."""
    conn = sqlite3.connect(db)
    try:
        out: Dump = {}
        for name, table in TABLES.items():
            out[name] = conn.execute(
                f"SELECT * FROM {name} ORDER BY {', '.join(table.key)}"
            ).fetchall()
        return out
    finally:
        conn.close()


def rows_from(d: Dump, day: str, *, before: bool) -> Dump:
    """Only the rows whose metric date is before (or at/after) `day`."""
    out: Dump = {}
    for name, rows in d.items():
        i = TABLES[name].column_names.index(TABLES[name].date_column)
        out[name] = [
            r for r in rows if ((str(r[i])[:10] if r[i] is not None else "9999") < day) == before
        ]
    return out
