"""What metrics.db was built from: per table, the definition version, the archive head its rows are
current with and the day before which a replay kept older rows (`_table_versions`); `_meta`
mirrors each table's definition version and the common archive head (export copies `_meta` into
its manifest).

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
    kept_before: str | None
    """Rows in no window from this day were kept by a replay under an older definition."""


def read_state(db_path: Path) -> dict[str, TableState] | None:
    """The recorded state per table, or None when there is no readable metrics.db."""
    if not db_path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = conn.execute(
                "SELECT table_name, version, archive_head, kept_before FROM _table_versions"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return {r[0]: TableState(r[1], r[2], r[3]) for r in rows}


def write_state(conn: sqlite3.Connection, states: dict[str, TableState]) -> None:
    """Record the state of the given tables (same transaction as their rows). `_meta` gets each
    table's definition version and the archive head every table is current with ('' when they
    differ or one is not known)."""
    conn.executemany(
        "INSERT OR REPLACE INTO _table_versions (table_name, version, archive_head, kept_before) "
        "VALUES (?, ?, ?, ?)",
        [(t, s.version, s.archive_head, s.kept_before) for t, s in sorted(states.items())],
    )
    conn.executemany(  # mirrored in `_meta`, which export copies into its manifest as lineage
        "INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)",
        [(f"definition_version:{t}", s.version) for t, s in sorted(states.items())],
    )
    heads = [r[0] for r in conn.execute("SELECT archive_head FROM _table_versions")]
    head = "" if any(h is None for h in heads) or len(set(heads)) != 1 else heads[0]
    conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES ('archive_head', ?)", (head,))
