"""DuckDB over the archive: a view `events` with the envelope fields as columns and `body` text.

Sealed segments are read by DuckDB itself (`read_ndjson`, zstd) with an explicit column schema,
so a query scans the files directly. DuckDB cannot read a segment whose last frame is torn, so
the complete events of open segments are loaded by the archive's own reader into a temporary
table that the view unions in. `kinds` restricts the view to some partitions (faster scans).

`query` (the auditors' `audit sql`) runs in a sandbox: the connection may read exactly the sealed
segment files behind the view (`allowed_paths`), then external access is switched off and the
configuration locked, so SQL cannot read other files (`read_text('/etc/passwd')`), write any
(`COPY … TO`, `EXPORT DATABASE`), attach databases or load extensions; and only SELECT-like
statements (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE, EXPLAIN) are accepted at all, since a COPY
to an allowed path would overwrite a segment. The data is in memory only: no spill files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import orjson

from archive.errors import ArchiveError
from archive.layout import check_format, kind_of, open_path_of, open_segments, rel
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
    *,
    sandbox: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Return a DuckDB connection with the view `events` over the archive (or some kinds).

    With `sandbox`, the connection can read nothing but the view's segment files and write no
    file at all (see the module docstring).
    """
    raw = Path(raw_dir)
    wanted = None if kinds is None else frozenset(kinds)
    con = duckdb.connect(database)
    try:
        columns = ", ".join(f'"{k}" {v}' for k, v in COLUMNS.items())
        con.execute(f"CREATE TEMP TABLE open_events ({columns})")
        if not check_format(raw):
            con.execute("CREATE TEMP VIEW events AS SELECT * FROM open_events")
            if sandbox:
                _seal_off(con, [])
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
        if sandbox:
            _seal_off(con, files)
    except BaseException:
        con.close()
        raise
    return con


def _seal_off(con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    """Allow reading only `files`; turn off every other file and network access; lock that."""
    listing = ", ".join(_sql_str(p.as_posix()) for p in files)
    try:
        con.execute(f"SET allowed_paths = [{listing}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        raise ArchiveError(
            f"audit sql: cannot sandbox DuckDB {duckdb.__version__} ({exc}); it needs DuckDB "
            "1.2 or later (pip install -U duckdb)"
        ) from None


_READ_ONLY_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})
"""Statement types `query` runs (WITH, FROM, DESCRIBE, SUMMARIZE and SHOW are SELECTs)."""


def _check_read_only(sql: str) -> None:
    """Refuse SQL that is not only SELECT / EXPLAIN statements (ArchiveError naming the type)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ArchiveError(f"audit sql: {exc}") from None
    for statement in statements:
        kind = str(statement.type).rsplit(".", 1)[-1]
        if kind not in _READ_ONLY_STATEMENTS:
            raise ArchiveError(
                f"audit sql: {kind} statements are not allowed; the archive is read-only "
                "(use SELECT; write results elsewhere with `--format csv > file.csv`)"
            )


def query(raw_dir: Path | str, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run read-only `sql` over the `events` view in a sandbox (see the module docstring);
    return (column names, rows). SQL errors and refused statements → ArchiveError."""
    _check_read_only(sql)
    con = connect(raw_dir, sandbox=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description or []]
        return names, cur.fetchall()
    except duckdb.Error as exc:
        raise ArchiveError(f"audit sql: {exc}") from None
    finally:
        con.close()
