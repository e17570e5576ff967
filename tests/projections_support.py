"""Helpers shared by the projection tests: build metrics.db from an event list and dump it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from archive.envelope import Event
from projections import TABLES, ListSource, ProjectReport, Settings, project, replay, window

Dump = dict[str, list[tuple[object, ...]]]


def quiet(_line: str) -> None:
    """Swallow progress lines."""


def build(events: Sequence[Event], db: Path, settings: Settings | None = None) -> ProjectReport:
    """Run `project` over an in-memory log."""
    return project(db.parent, db, settings or Settings(), source=ListSource(events), progress=quiet)


def do_replay(
    events: Sequence[Event],
    db: Path,
    day: str,
    tables: Sequence[str] | None = None,
    settings: Settings | None = None,
) -> ProjectReport:
    """Run `replay` over an in-memory log."""
    return replay(
        db.parent,
        db,
        settings or Settings(),
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
    """Only the rows outside (before=True) or inside the replay window from `day` (`window`)."""
    out: Dump = {}
    for name, rows in d.items():
        inside = window.in_window(TABLES[name], day)
        out[name] = [r for r in rows if inside(r) != before]
    return out
