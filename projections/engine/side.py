"""The per-user Copilot tables computed and written by a process of their own, beside the rest.

The users and user-teams reports share no event and no row with anything else, and on a year of a
large enterprise they are most of the work: their rows (millions a year) cost more to bind into
SQLite from Python than to compute. So, when the report files are big enough and the machine has
a second core, a child process reads those reports, computes copilot_user_metrics and
copilot_user_teams and writes them (without indexes) into a scratch SQLite file beside metrics.db,
while the parent computes every other family (the other report tables included). The parent then
copies the tables in with one `INSERT … SELECT` each (SQLite alone, no Python per row) inside the
same atomic build. The rows are the same either way (tested).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from archive import kinds
from projections.engine import store
from projections.engine.build import compute, no_cycle_gc
from projections.engine.registry import BY_NAME
from projections.engine.source import ArchiveSource, EventSource
from projections.schema import TABLES
from projections.settings import Settings

FAMILY = "copilot_users"
SIDE_BYTES = 24_000_000
"""Compressed report files from which a process of their own pays for its start. Measured on a
90-day `large` archive with 27 MB of them: 5.2–5.8 s with the side process, 5.9–6.1 s without (2
cores, one busy with other work); a spawned process (Windows) costs ~1 s more to start."""
SIDE_CPUS = 2


class SideProcessError(Exception):
    """The side process died (killed, out of memory) before finishing."""


def side_tables(tables: set[str], source: EventSource, side: bool | None) -> frozenset[str]:
    """The asked tables the side process computes: the per-user tables when `side` is True, none
    when False, else (None) when the machine and the archive's report files are big enough."""
    mine = frozenset(tables) & frozenset(BY_NAME[FAMILY].tables)
    if not mine or side is False:
        return frozenset()
    if side:
        return mine
    if (os.cpu_count() or 1) < SIDE_CPUS or not isinstance(source, ArchiveSource):
        return frozenset()
    files = source.raw_dir.glob(f"kind={kinds.COPILOT_REPORT_FILE}/**/*.zst")
    return mine if sum(p.stat().st_size for p in files) >= SIDE_BYTES else frozenset()


def write_part(source: EventSource, tables: frozenset[str], settings: Settings, path: Path) -> None:
    """(In the side process.) Compute `tables` and write them, without indexes, into `path`."""
    with no_cycle_gc():
        rows = compute(source, set(tables), settings, lambda _line: None)
        conn = store.scratch_db(path)
        try:
            for name in sorted(tables):
                store.create_table(conn, TABLES[name])
                store.insert_rows(conn, TABLES[name], rows[name])
            conn.execute("COMMIT")
        finally:
            conn.close()


@contextlib.contextmanager
def side_process(
    source: EventSource, tables: frozenset[str], settings: Settings, path: Path
) -> Iterator[Callable[[], None]]:
    """Start `write_part` in a process of its own (nothing when `tables` is empty); yields a
    wait() that returns once the part file is complete (raising what the process raised). On the
    way out the process has ended and the part file is gone."""
    if not tables:
        yield lambda: None
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    path.unlink(missing_ok=True)
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            job = pool.submit(write_part, source, tables, settings, path)

            def wait() -> None:
                try:
                    job.result()
                except BrokenProcessPool as exc:
                    raise SideProcessError(f"the {FAMILY} process died: {exc}") from exc

            yield wait
    finally:
        path.unlink(missing_ok=True)


def copy_table(
    conn: sqlite3.Connection, name: str, where: tuple[str, Sequence[object]] | None
) -> int:
    """Copy table `name` from the attached part file (alias `part`), all rows or those `where`
    selects (replacing rows of the same key); return how many rows were stored."""
    before = conn.total_changes
    if where is None:
        conn.execute(f"INSERT INTO main.{name} SELECT * FROM part.{name}")
    else:
        cond, params = where
        conn.execute(
            f"INSERT OR REPLACE INTO main.{name} SELECT * FROM part.{name} WHERE {cond}",
            params,
        )
    return conn.total_changes - before
