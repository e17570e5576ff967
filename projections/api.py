"""The public operations: `project` (bring metrics.db up to date) and `replay` (recompute).

Each table's state in metrics.db (`meta.TableState`) is the definition version that built it, the
archive head its rows are current with, and `kept_before`: a day before which rows were kept by a
replay under an older definition (None: every row follows the recorded definition).

project, per table (design §5):
- no such table, or its definition version changed → rebuilt from the whole archive (any kept rows
  are dropped: a definition change without a replay means "recompute history too");
- archive head moved (or unknown) → brought up to the head: recomputed from the whole archive —
  measured fast enough (bench/RESULTS.md) that incremental bookkeeping is not worth its risk — and
  written whole, or, when rows before `kept_before` were kept by a replay, only rows in the window
  from that day (`window`), so a later `project` never undoes a replay (the price: those kept
  rows no longer absorb late data, e.g. a revised report of an older day, until a definition
  change or a replay from an earlier day recomputes them);
- otherwise up to date.
replay --from D: recomputes the asked tables from the whole archive and writes only the rows in the
window from D (rows dated ≥ D; a week or month containing D is recomputed entirely), keeping
older rows. When that adopts a new definition version, the kept rows are recorded
(`kept_before` = D). When the definition is unchanged, the kept rows may predate the archive head,
so the table keeps its recorded head and the next `project` brings them up to date.
Every write is built in a temporary copy and swapped in atomically.

`workers` (processes) and `shares` (repository shares, see `partition`) default from the machine
and the size of the archive's repository kinds: 2 processes for a big archive on ≥ 4 cores, and
one share per SHARE_BYTES of compressed data so memory stays bounded as the archive grows.
`side` (default: from the machine and the size of the report files; never with workers=1) puts
the per-user Copilot tables in a process of their own (`engine.side`).
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from projections.engine import meta, store, window
from projections.engine.build import Progress, compute, no_cycle_gc
from projections.engine.ordered import Ordered
from projections.engine.registry import Rows
from projections.engine.side import SideProcessError, copy_table, side_process, side_tables
from projections.engine.source import ArchiveSource, EventSource
from projections.engine.versions import definition_versions
from projections.schema import TABLES
from projections.settings import Settings


class ProjectionError(Exception):
    """A projection could not be built; metrics.db was left as it was."""


class ReplayOptionError(ValueError):
    """`replay` was asked for something that is not a date or not a table (bad usage, exit 2);
    any other error of the rebuild is not a usage error."""


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


PARALLEL_BYTES = 16_000_000
"""Below this much compressed repository data, forking a second worker costs more than it saves."""
PARALLEL_CPUS = 4
"""A second worker process only by default from this many cores: a one-process rebuild already
keeps ~1.3 cores busy (the archive reader decompresses in a thread), and on the 2-core bench box
two workers were slower (bench/RESULTS.md)."""
SHARE_BYTES = 150_000_000
"""Compressed repository data per share: bounds a process's memory at the cost of one archive read
per share. Measured: ≈ 2.5 MB of RSS per MB on the simulated `large` year (313 MB for 127 MB of
repository kinds, bench/RESULTS.md round 4; the smaller bodies of `projections.fakes` gave 1.6),
so a share stays under ~400 MB."""


def _split(src: EventSource, workers: int | None, shares: int | None) -> tuple[int, int]:
    """(processes, shares): as asked, else from the size of the archive's repository kinds."""
    size = 0
    if isinstance(src, ArchiveSource) and (workers is None or shares is None):
        size = sum(p.stat().st_size for p in src.raw_dir.glob("kind=repo.*/**/*.zst"))
    if workers is None:
        workers = 2 if (os.cpu_count() or 1) >= PARALLEL_CPUS and size >= PARALLEL_BYTES else 1
    if shares is None:
        shares = -(-size // SHARE_BYTES)
    return max(1, workers), max(1, workers, shares)


def _plan(
    states: dict[str, meta.TableState] | None,
    versions: dict[str, str],
    head: str | None,
    existing: set[str],
) -> dict[str, str | None]:
    """table → None (rewrite whole) or the day its window starts, for the tables project updates."""
    plan: dict[str, str | None] = {}
    for table, version in versions.items():
        st = (states or {}).get(table)
        if st is None or table not in existing or st.version != version:
            plan[table] = None
        elif head is None or st.archive_head != head:
            plan[table] = st.kept_before
    return plan


def project(
    raw_dir: Path,
    db_path: Path,
    settings: Settings,
    *,
    source: EventSource | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    shares: int | None = None,
    side: bool | None = None,
) -> ProjectReport:
    """Bring metrics.db up to date with the archive in raw_dir (see module docstring)."""
    started = time.perf_counter()
    say = progress or _stderr
    db_path = Path(db_path)
    store.remove_leftovers(db_path)  # a killed build's temporary files, also when up to date
    src = source if source is not None else ArchiveSource(Path(raw_dir), db_path)
    versions = definition_versions(settings)
    head = src.head()
    states = meta.read_state(db_path)
    existing = store.existing_tables(db_path) if states is not None else set()
    plan = _plan(states, versions, head, existing)
    if not plan:
        return ProjectReport(db_path, "up_to_date", head, ())
    whole = set(plan) == set(TABLES) and all(d is None for d in plan.values())
    mode = "full" if whole else "partial"
    say(f"{mode} rebuild of {len(plan)} tables")
    new_states = {t: meta.TableState(versions[t], head, day) for t, day in plan.items()}
    try:
        written = _build(
            src,
            plan,
            settings=settings,
            say=say,
            split=(workers, shares, side),
            db_path=db_path,
            states=new_states,
            copy_existing=not whole,
        )
    except (sqlite3.Error, OSError, SideProcessError) as exc:
        raise ProjectionError(f"could not build {db_path}: {exc} (metrics.db unchanged)") from exc
    return ProjectReport(
        db_path, mode, head, tuple(sorted(plan)), written, seconds=time.perf_counter() - started
    )


def _build(
    src: EventSource,
    plan: dict[str, str | None],
    *,
    settings: Settings,
    say: Progress,
    split: tuple[int | None, int | None, bool | None],
    db_path: Path,
    states: dict[str, meta.TableState],
    copy_existing: bool,
) -> dict[str, int]:
    """Compute the planned tables (the per-user report tables in a side process when worth it,
    see `engine.side`) and write them in one atomic build; return the rows written per table."""
    workers, shares, side = split
    procs, n = _split(src, workers, shares)
    aside = side_tables(set(plan), src, False if side is None and workers == 1 else side)
    part = db_path.with_name(f".{db_path.name}.{os.getpid()}.part.tmp")
    # The collector stays paused until the rows are written and freed: back on any earlier,
    # its next young-generation pass walks every row still alive (~0.05 s, measured).
    with no_cycle_gc(), side_process(src, aside, settings, part) as wait:
        rest = set(plan) - aside
        rows = compute(src, rest, settings, say, workers=procs, shares=n) if rest else {}
        if aside:
            say(f"waiting for the {len(aside)} report tables of the side process")
            wait()
        return _write(
            db_path,
            rows,
            plan,
            states,
            copy_existing=copy_existing,
            say=say,
            part=part if aside else None,
        )


def _write(
    db_path: Path,
    rows: Rows,
    plan: dict[str, str | None],
    states: dict[str, meta.TableState],
    *,
    copy_existing: bool,
    say: Progress,
    part: Path | None = None,
) -> dict[str, int]:
    """Write each planned table whole (plan None) or its window from the planned day; a table
    missing from `rows` is copied from the `part` file (written by the side process)."""
    written: dict[str, int] = {}
    with store.atomic_db(db_path, copy_existing=copy_existing, attach=part) as conn:
        store.ensure_meta(conn)
        existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        for name in sorted(plan):
            table, day = TABLES[name], plan[name]
            whole = day is None or name not in existing
            if name not in rows:
                if whole:
                    store.create_table(conn, table)
                else:
                    cond, params = window.where(table, str(day))
                    conn.execute(f"DELETE FROM main.{name} WHERE {cond}", params)
                written[name] = copy_table(
                    conn, name, None if whole else window.where(table, str(day))
                )
            elif whole:
                store.create_table(conn, table)
                written[name] = store.insert_rows(conn, table, rows[name])
            else:
                cond, params = window.where(table, str(day))
                conn.execute(f"DELETE FROM main.{name} WHERE {cond}", params)
                keep = window.in_window(table, str(day))
                data = rows[name]
                new = data.where(keep) if isinstance(data, Ordered) else list(filter(keep, data))
                written[name] = store.insert_rows(conn, table, new, replace=True)
            store.create_indexes(conn, table)
            say(f"wrote {name}: {written[name]:,} rows" + (f" from {day}" if day else ""))
        meta.write_state(conn, states)
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
    workers: int | None = None,
    shares: int | None = None,
    side: bool | None = None,
) -> ProjectReport:
    """Recompute `tables` (default: all) in the window from from_day; older rows stay untouched."""
    started = time.perf_counter()
    if not _DAY.fullmatch(from_day):
        raise ReplayOptionError(f"--from must be a date YYYY-MM-DD, not {from_day!r}")
    names = tuple(sorted(set(tables or TABLES)))
    unknown = [t for t in names if t not in TABLES]
    if unknown:
        raise ReplayOptionError(f"unknown table {unknown[0]!r}; known: {', '.join(sorted(TABLES))}")
    say = progress or _stderr
    db_path = Path(db_path)
    src = source if source is not None else ArchiveSource(Path(raw_dir), db_path)
    versions, head = definition_versions(settings), src.head()
    states = meta.read_state(db_path) or {}
    existing = store.existing_tables(db_path) if db_path.exists() else set()
    new_states = {
        t: _replayed_state(states.get(t) if t in existing else None, versions[t], head, from_day)
        for t in names
    }
    try:
        written = _build(
            src,
            dict.fromkeys(names, from_day),
            settings=settings,
            say=say,
            split=(workers, shares, side),
            db_path=db_path,
            states=new_states,
            copy_existing=True,
        )
    except (sqlite3.Error, OSError, SideProcessError) as exc:
        raise ProjectionError(
            f"could not replay into {db_path}: {exc} (metrics.db unchanged)"
        ) from exc
    say(f"replayed {len(names)} tables from {from_day}")
    return ProjectReport(
        db_path, "replay", head, names, written, from_day, time.perf_counter() - started
    )


def _replayed_state(
    old: meta.TableState | None, version: str, head: str | None, day: str
) -> meta.TableState:
    """What a table's state is after a replay from `day` (see module docstring).

    - table not in metrics.db yet: there is nothing to keep, so it is written whole (`_write`);
    - new definition version: rows before `day` are kept deliberately: kept_before = day;
    - same version: kept rows stay kept (kept_before = the earlier of the old one and `day`); the
      head is current only when every row not kept was just recomputed (day ≤ kept_before).
    """
    if old is None:
        return meta.TableState(version, head, None)
    if old.version != version:
        return meta.TableState(version, head, day)
    if old.kept_before is None:
        return meta.TableState(version, old.archive_head, None)
    kept = min(old.kept_before, day)
    return meta.TableState(version, head if day <= kept else old.archive_head, kept)
