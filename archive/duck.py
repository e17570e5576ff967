"""DuckDB over the archive: a view `events` with the envelope fields as columns and `body` text.

Sealed segments are read by DuckDB itself (`read_ndjson`, zstd) with an explicit column schema,
so a query scans the files directly. DuckDB cannot read a segment whose last frame is torn, so
the complete events of open segments are loaded by the archive's own reader into a temporary
table that the view unions in. `kinds` restricts the view to some partitions (faster scans).

`query` (the auditors' `audit sql`) is read-only by construction, not by inspecting the SQL:
the auditor's SQL runs in a second, empty in-memory DuckDB that was opened with external access
off (no file of any kind can be read or written, no extension installed or loaded, no secret
stored, no spill file: `temp_directory` is empty) and whose configuration is then locked (no
`SET`/`PRAGMA`/`RESET` can turn any of it back on). It never learns a path: its `events` is a
pyarrow RecordBatchReader handed over from a first connection (`connect`, which only ghmc's own
fixed SELECT ever uses) that streams the archive in batches. `CREATE`, `ATTACH ':memory:'` and
the like work, in memory, and vanish with the connection. The stream can be read once per
query: a self-join reads it once with `WITH e AS MATERIALIZED (FROM events) …`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from archive.errors import ArchiveError
from archive.layout import check_format, kind_of, open_path_of, open_segments, rel
from archive.listing import checked_head
from archive.manifest import load_manifest
from archive.prune import live_entries
from archive.reader import _sealed_path
from archive.segment import scan_open

COLUMNS: dict[str, str] = {
    "v": "INTEGER",
    "seq": "BIGINT",
    "event_id": "VARCHAR",
    "run_id": "VARCHAR",
    "kind": "VARCHAR",
    "fetched_at": "VARCHAR",
    "enterprise_id": "VARCHAR",
    "org": "VARCHAR",
    "repo": "VARCHAR",
    "request": "JSON",
    "response": "JSON",
    "body_sha256": "VARCHAR",
    "body_size": "BIGINT",
    "body_encoding": "VARCHAR",
    "refs": "JSON",
    "error": "JSON",
    "body": "VARCHAR",
}
"""The `events` view's columns (envelope fields, in envelope order) and their DuckDB types."""

_JSON_FIELDS = ("request", "response", "refs", "error")


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns_sql() -> str:
    return "{" + ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in COLUMNS.items()) + "}"


def sealed_scan_sql(files: list[Path]) -> str:
    """Return a `read_ndjson(...)` table expression over sealed segment files."""
    listing = ", ".join(_sql_str(p.as_posix()) for p in files)
    return (
        f"read_ndjson([{listing}], columns = {_columns_sql()}, compression = 'zstd', "
        "format = 'newline_delimited', maximum_object_size = 1073741824)"
    )


def _open_rows(raw: Path, kinds: frozenset[str] | None) -> list[tuple[Any, ...]]:
    """Return the complete events of unsealed segments as rows of the view's columns."""
    listed = {open_path_of(raw / e.path) for e in load_manifest(raw)}
    rows: list[tuple[Any, ...]] = []
    for path in open_segments(raw):
        if path in listed or (kinds is not None and kind_of(path, raw) not in kinds):
            continue
        for line in scan_open(path)[1]:
            env = orjson.loads(line)
            for key in _JSON_FIELDS:
                env[key] = None if env.get(key) is None else orjson.dumps(env[key]).decode()
            rows.append(tuple(env.get(k) for k in COLUMNS))
    return rows


def connect(
    raw_dir: Path | str,
    kinds: Iterable[str] | None = None,
    database: str = ":memory:",
) -> duckdb.DuckDBPyConnection:
    """Return a DuckDB connection with the view `events` over the archive (or some kinds).

    This connection can read and write files: only ghmc's own SQL may run on it, never an
    auditor's (see `query`).
    """
    raw = Path(raw_dir)
    wanted = None if kinds is None else frozenset(kinds)
    con = duckdb.connect(database)
    try:
        columns = ", ".join(f'"{k}" {v}' for k, v in COLUMNS.items())
        con.execute(f"CREATE TEMP TABLE open_events ({columns})")
        if not check_format(raw):
            con.execute("CREATE TEMP VIEW events AS SELECT * FROM open_events")
            return con
        rows = _open_rows(raw, wanted)
        if rows:
            marks = ", ".join("?" for _ in COLUMNS)
            con.executemany(f"INSERT INTO open_events VALUES ({marks})", rows)
        files = [
            _sealed_path(raw, e)
            for e in sorted(live_entries(raw), key=lambda e: e.first_seq)
            if wanted is None or e.kind in wanted
        ]
        if files and not all(f.name.endswith(".ndjson.zst") for f in files):
            raise ArchiveError(
                f"{rel(files[0], raw)}: a seal was interrupted; run `ghmc verify --repair` first"
            )
        scan = f"SELECT * FROM {sealed_scan_sql(files)} UNION ALL " if files else ""
        con.execute(f"CREATE TEMP VIEW events AS {scan}SELECT * FROM open_events")
    except BaseException:
        con.close()
        raise
    return con


STREAM_ROWS = 2048
"""Events per Arrow batch handed to the sandbox (bodies of up to a few MB each)."""

SANDBOX_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "temp_directory": "",
}
"""Set when the auditors' connection is opened, before it runs any SQL (then locked)."""


def sandbox(events: pa.RecordBatchReader) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB that can touch no file, whose only data is `events`."""
    con = duckdb.connect(":memory:", config=SANDBOX_CONFIG)
    try:
        con.register("events", events)
        con.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        con.close()
        raise ArchiveError(
            f"audit sql: cannot sandbox DuckDB {duckdb.__version__} ({exc}); it needs DuckDB "
            "1.2 or later (pip install -U duckdb)"
        ) from None
    return con


def stream(raw_dir: Path | str) -> tuple[duckdb.DuckDBPyConnection, pa.RecordBatchReader]:
    """Return the archive as a stream of Arrow batches (and the connection that feeds it)."""
    con = connect(raw_dir)
    columns = ", ".join(f'"{k}"' for k in COLUMNS)
    try:
        return con, con.sql(f"SELECT {columns} FROM events").to_arrow_reader(STREAM_ROWS)
    except BaseException:
        con.close()
        raise


_READ_TWICE = "already been consumed"
"""DuckDB's words when a query scans the stream a second time."""


def query(raw_dir: Path | str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run the auditor's `sql` over `events` in the sandbox; return (column names, rows).

    SQL errors (including any attempt to touch a file) → ArchiveError; SQL that holds no
    statement → ValueError. Like the projections, it reads only an archive that verifies
    (structure and every segment's sha256): a damaged one → ArchiveDamaged, naming the damage.
    """
    if check_format(Path(raw_dir)):
        checked_head(raw_dir)
    feeder, events = stream(raw_dir)
    try:
        con = sandbox(events)
        try:
            cur = con.execute(sql)
            if cur is None:  # only blanks, `;` or comments
                raise ValueError("audit sql: no statement given; try SELECT count(*) FROM events")
            if cur.description is None:  # e.g. SET VARIABLE: nothing to show
                return [], []
            names = [d[0] for d in cur.description]
            return names, cur.fetchall()
        except duckdb.Error as exc:
            text = str(exc)
            if _READ_TWICE in text:
                text = (
                    "the view `events` streams the archive and can be read once per query; "
                    "read it once with WITH e AS MATERIALIZED (FROM events) and use e"
                )
            raise ArchiveError(f"audit sql: {text}") from None
        finally:
            con.close()
    finally:
        feeder.close()
