"""The public operations: `project` (bring metrics.db up to date) and `replay` (recompute).

project: tables whose definition version changed are rebuilt; when the archive head moved (or is
unknown) every table is rebuilt from the whole archive — measured fast enough (bench/RESULTS.md)
that incremental bookkeeping is not worth its risk. Either way the result is built in a temporary
file and swapped in atomically.
replay: recomputes the asked tables from the whole archive but writes only rows whose metric date
is ≥ from_day, leaving older rows as they were.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from projections import meta
from projections.engine import store
from projections.engine.build import Progress, compute
from projections.families import definition_versions
from projections.schema import TABLES
from projections.settings import Settings
from projections.source import ArchiveSource, EventSource


class ProjectionError(Exception):
    """A projection could not be built; metrics.db was left as it was."""


@dataclass(frozen=True, slots=True)
class ProjectReport:
    """What a project/replay call did."""

    db_path: Path
    mode: str  # "full" | "partial" | "replay" | "up_to_date"
    archive_head: str | None
    rebuilt: tuple[str, ...]
    rows: dict[str, int] = field(default_factory=dict)
    replayed_from: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the CLI."""
        if self.mode == "up_to_date":
            return f"metrics.db is up to date (archive head {self.archive_head or 'unknown'})"
        total = sum(self.rows.values())
        what = f"replayed from {self.replayed_from}" if self.replayed_from else self.mode
        return (
            f"{what}: {len(self.rebuilt)} tables, {total:,} rows written in "
            f"{self.seconds:.1f} s (archive head {self.archive_head or 'unknown'})"
        )


def _stderr(line: str) -> None:
    print(f"project: {line}", file=sys.stderr)  # noqa: T201 - progress lines for long work


def _stale(
    states: dict[str, meta.TableState] | None,
    versions: dict[str, str],
    head: str | None,
    existing: set[str],
) -> set[str]:
    if states is None or head is None:
        return set(TABLES)
    out = set()
    for table, version in versions.items():
        st = states.get(table)
        if st is None or table not in existing or st.version != version or st.archive_head != head:
            out.add(table)
    return out


def project(
    raw_dir: Path,
    db_path: Path,
    settings: Settings,
    *,
    source: EventSource | None = None,
    progress: Progress | None = None,
) -> ProjectReport:
    """Bring metrics.db up to date with the archive in raw_dir (see module docstring)."""
    started = time.perf_counter()
    say = progress or _stderr
    src = source if source is not None else ArchiveSource(Path(raw_dir))
    db_path = Path(db_path)
    versions = definition_versions(settings)
    head = src.head()
    states = meta.read_state(db_path)
    existing = store.existing_tables(db_path) if states is not None else set()
    stale = _stale(states, versions, head, existing)
    if not stale:
        return ProjectReport(db_path, "up_to_date", head, ())
    mode = "full" if stale == set(TABLES) else "partial"
    say(f"{mode} rebuild of {len(stale)} tables")
    try:
        rows = compute(src, stale, settings, say)
        written = _write(db_path, rows, versions, head, partial=mode == "partial", say=say)
    except (sqlite3.Error, OSError) as exc:
        raise ProjectionError(f"could not build {db_path}: {exc} (metrics.db unchanged)") from exc
    return ProjectReport(
        db_path, mode, head, tuple(sorted(stale)), written, seconds=time.perf_counter() - started
    )


def _write(
    db_path: Path,
    rows: dict[str, list[tuple[object, ...]]],
    versions: dict[str, str],
    head: str | None,
    *,
    partial: bool,
    say: Progress,
) -> dict[str, int]:
    written: dict[str, int] = {}
    with store.atomic_db(db_path, copy_existing=partial) as conn:
        store.ensure_meta(conn)
        for name in sorted(rows):
            table = TABLES[name]
            store.create_table(conn, table)
            written[name] = store.insert_rows(conn, table, rows[name])
            store.create_indexes(conn, table)
            say(f"wrote {name}: {written[name]:,} rows")
        meta.write_state(conn, {t: meta.TableState(versions[t], head, None) for t in rows}, head)
    return written


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def replay(
    raw_dir: Path,
    db_path: Path,
    settings: Settings,
    from_day: str,
    tables: tuple[str, ...] | list[str] | None = None,
    *,
    source: EventSource | None = None,
    progress: Progress | None = None,
) -> ProjectReport:
    """Recompute `tables` (default: all) for metric dates ≥ from_day; older rows stay untouched."""
    started = time.perf_counter()
    if not _DAY.fullmatch(from_day):
        raise ValueError(f"--from must be a date YYYY-MM-DD, not {from_day!r}")
    names = tuple(sorted(set(tables or TABLES)))
    unknown = [t for t in names if t not in TABLES]
    if unknown:
        raise ValueError(f"unknown table {unknown[0]!r}; known: {', '.join(sorted(TABLES))}")
    say = progress or _stderr
    src = source if source is not None else ArchiveSource(Path(raw_dir))
    db_path = Path(db_path)
    versions, head = definition_versions(settings), src.head()
    try:
        existing = store.existing_tables(db_path) if db_path.exists() else set()
        rows = compute(src, set(names), settings, say)
        written = _replay_write(
            db_path, rows=rows, existing=existing, from_day=from_day, versions=versions, head=head
        )
    except (sqlite3.Error, OSError) as exc:
        raise ProjectionError(
            f"could not replay into {db_path}: {exc} (metrics.db unchanged)"
        ) from exc
    say(f"replayed {len(names)} tables from {from_day}")
    return ProjectReport(
        db_path, "replay", head, names, written, from_day, time.perf_counter() - started
    )


def _replay_write(
    db_path: Path,
    *,
    rows: dict[str, list[tuple[object, ...]]],
    existing: set[str],
    from_day: str,
    versions: dict[str, str],
    head: str | None,
) -> dict[str, int]:
    written: dict[str, int] = {}
    with store.atomic_db(db_path, copy_existing=True) as conn:
        store.ensure_meta(conn)
        for name in sorted(rows):
            table = TABLES[name]
            if name not in existing:
                store.create_table(conn, table)
            conn.execute(
                f"DELETE FROM {name} WHERE {table.date_column} IS NULL "
                f"OR substr({table.date_column}, 1, 10) >= ?",
                (from_day,),
            )
            keep = [r for r in rows[name] if (store.date_of(table, r) or "9999") >= from_day]
            written[name] = store.insert_rows(conn, table, keep, replace=True)
            store.create_indexes(conn, table)
        meta.write_state(
            conn, {t: meta.TableState(versions[t], head, from_day) for t in rows}, head
        )
    return written
