"""Open metrics.db read-only for the report and check it is one the report can read: present, built
by `ghmc project`, with every column the table registry (`projections.TABLES`) names. Also reads
its lineage: the archive head and the definition version of each table (`_meta`,
`_table_versions`), the same lineage the export's manifest.json carries."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dashboards.report.errors import ReportError
from dashboards.report.queries import QUERIES
from projections import TABLES

REPORT_TABLES = tuple(
    name for name in TABLES if any(re.search(rf"\b{name}\b", q.sql) for q in QUERIES.values())
)
"""The registry tables the report's queries read."""

_REBUILD = "run `ghmc project` (or `ghmc daily`) to rebuild it"


@dataclass(frozen=True, slots=True)
class TableLineage:
    """How one table was built: its definition version, the archive head and its row count."""

    table: str
    version: str
    archive_head: str | None
    kept_before: str | None
    rows: int
    current: bool | None
    """Whether `version` is this ghmc's definition (None when not compared)."""


@dataclass(frozen=True, slots=True)
class Lineage:
    """What metrics.db was built from."""

    archive_head: str
    tables: tuple[TableLineage, ...]

    @property
    def outdated(self) -> tuple[str, ...]:
        """Tables built by another definition version than this ghmc's."""
        return tuple(t.table for t in self.tables if t.current is False)


def connect(db_path: Path) -> sqlite3.Connection:
    """Open metrics.db read-only, checked (ReportError saying what to do otherwise)."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ReportError(f"{db_path} does not exist: run `ghmc project` (or `ghmc daily`) first")
    if db_path.stat().st_size == 0:
        raise ReportError(f"{db_path} is empty: {_REBUILD}")
    conn = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        _check_tables(conn, db_path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ReportError(f"{db_path} is not a readable metrics.db ({exc}): {_REBUILD}") from exc
    except ReportError:
        conn.close()
        raise
    return conn


def _check_tables(conn: sqlite3.Connection, db_path: Path) -> None:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    if not names & set(REPORT_TABLES):
        raise ReportError(f"{db_path} holds no metrics tables: {_REBUILD}")
    if "_table_versions" not in names or "_meta" not in names:
        raise ReportError(
            f"{db_path} records no definition versions (built by an older ghmc): {_REBUILD}"
        )
    problems = []
    for table in REPORT_TABLES:
        if table not in names:
            problems.append(f"table {table} is missing")
            continue
        have = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        missing = [c for c in TABLES[table].column_names if c not in have]
        if missing:
            problems.append(f"{table} lacks {', '.join(missing)}")
    if problems:
        raise ReportError(
            f"{db_path} was built by an older definition version ({'; '.join(problems)}): "
            f"{_REBUILD}"
        )


def read_lineage(conn: sqlite3.Connection, expected: Mapping[str, str] | None = None) -> Lineage:
    """The archive head and per-table versions; `expected` (table → this ghmc's definition
    version) marks each table current or not."""
    meta = dict(conn.execute("SELECT key, value FROM _meta").fetchall())
    rows = conn.execute(
        "SELECT table_name, version, archive_head, kept_before FROM _table_versions "
        "ORDER BY table_name"
    ).fetchall()
    tables = []
    for name, version, head, kept in rows:
        count = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        current = None if expected is None else expected.get(name) == version
        tables.append(TableLineage(name, version, head, kept, int(count), current))
    return Lineage(str(meta.get("archive_head", "")), tuple(tables))


def enterprises(conn: sqlite3.Connection, wanted: Iterable[str]) -> list[str]:
    """The enterprise ids to show: `wanted` (each checked to have data), or all that have rows."""
    found: set[str] = set()
    for table in ("copilot_daily_metrics", "dora_deployments", "velocity_pull_requests",
                  "copilot_premium_requests", "collection_runs"):  # fmt: skip
        found.update(r[0] for r in conn.execute(f"SELECT DISTINCT enterprise_id FROM {table}"))
    found.discard(None)
    wanted = list(wanted)
    unknown = [e for e in wanted if e not in found]
    if unknown:
        have = ", ".join(sorted(found)) or "none"
        raise ReportError(
            f"--enterprise {', '.join(unknown)}: no rows in metrics.db (enterprises: {have})"
        )
    return wanted or sorted(found)
