"""What metrics.db holds: its exported tables, their columns (in table order) and their keys."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Column:
    """One column as declared in metrics.db (`type` is the declared SQLite type, e.g. TEXT)."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """An exported table: its columns in declaration order and its sort key.

    `key` is the PRIMARY KEY in key order; a table without one is sorted by all its columns.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    has_primary_key: bool

    @property
    def file_name(self) -> str:
        """The export file name, `<table>.csv.gz`."""
        return f"{self.name}.csv.gz"


def quote_ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def connect_readonly(db_path: Path) -> sqlite3.Connection:
    """Open metrics.db read-only (never creates it; a missing file is an error)."""
    uri = db_path.resolve().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True)


def exported_tables(conn: sqlite3.Connection) -> list[str]:
    """Return the tables to export, by name: every table except internal ones (`_…`, `sqlite_…`)."""
    rows = conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
    ).fetchall()
    return [
        str(name)
        for (name,) in rows
        if not str(name).startswith("_") and not str(name).startswith("sqlite_")
    ]


def table_spec(conn: sqlite3.Connection, name: str) -> TableSpec:
    """Read a table's columns and PRIMARY KEY from PRAGMA table_info."""
    info = conn.execute(f"PRAGMA table_info({quote_ident(name)})").fetchall()
    columns = tuple(Column(str(row[1]), str(row[2] or "")) for row in info)
    keyed = sorted((int(row[5]), str(row[1])) for row in info if int(row[5]) > 0)
    key = tuple(col for _, col in keyed)
    if not key:
        return TableSpec(name, columns, tuple(c.name for c in columns), has_primary_key=False)
    return TableSpec(name, columns, key, has_primary_key=True)
