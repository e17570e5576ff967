"""What metrics.db was built from: per-table definition version and archive head
(`_table_versions`),
plus `_meta` (archive head, settings fingerprint, schema of the bookkeeping).

These rows are written in the same transaction as the tables they describe, so they can never
disagree with the data (eventsourcing's "tracking record in the same transaction").
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class TableState:
    """How one table in metrics.db was built."""

    version: str
    archive_head: str | None
    replayed_from: str | None


def read_state(db_path: Path) -> dict[str, TableState] | None:
    """The recorded state per table, or None when there is no readable metrics.db."""
    if not db_path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT table_name, version, archive_head, replayed_from FROM _table_versions"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return {r[0]: TableState(r[1], r[2], r[3]) for r in rows}


def write_state(conn: sqlite3.Connection, states: dict[str, TableState], head: str | None) -> None:
    """Record the state of the given tables and the archive head (same transaction as the rows)."""
    conn.executemany(
        "INSERT OR REPLACE INTO _table_versions (table_name, version, archive_head, replayed_from) "
        "VALUES (?, ?, ?, ?)",
        [(t, s.version, s.archive_head, s.replayed_from) for t, s in sorted(states.items())],
    )
    conn.execute(
        "INSERT OR REPLACE INTO _meta (key, value) VALUES ('archive_head', ?)", (head or "",)
    )
