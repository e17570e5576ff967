"""Render one table of metrics.db as deterministic, formula-safe RFC-4180 CSV in gzip.

The CSV dialect (the export contract, design §6):

* UTF-8 without BOM, header row of column names in table order, comma, CRLF line ends (RFC 4180);
* a field is quoted (`"`, doubled inside) only when it holds `,`, `"`, CR or LF;
* NULL is an empty field (so is the empty string: `''` keys mean "all" and read back as empty);
* INTEGER values as digits (no `.0`); REAL values as Python's `repr` (shortest text that reads back
  to the same double, `.` decimal point, e.g. `0.1`, `15.0`, `1e-07`);
* text beginning with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'` (spreadsheet formula
  injection); numbers stored as numbers are never touched, so `-5` stays `-5`;
* BLOBs (none in the contract tables) as lowercase hex;
* rows in PRIMARY KEY order.

A table is cut into pieces of at most `piece_rows` rows at key boundaries that depend only on
the data, so the bytes do not depend on how many processes render them. Each piece is rendered
and deflated by `render_piece` (a top-level function, so a process pool can run it).
"""

from __future__ import annotations

import csv
import io
import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.gzipframe import LEVEL, Piece, compressor, end_piece
from export.schema import TableSpec, connect_readonly, quote_ident

LINE_END = "\r\n"
FORMULA_PREFIX = "'"
RISKY_FIRST = frozenset("=+-@\t\r")
PIECE_ROWS = 50_000
"""Rows per piece: large enough that deflate restarts cost nothing (~6 MB of CSV), small enough
to spread a big table evenly over the worker processes."""

_BATCH = 4096
MMAP_BYTES = 1 << 30
"""Read metrics.db through mmap: key-order reads jump around the file; mmap halves their cost."""
_RARE_RISKY = "=+@\t"


@dataclass(frozen=True, slots=True)
class PieceQuery:
    """The SQL that selects one piece of a table, in key order, and its bound parameters."""

    sql: str
    params: tuple[Any, ...]


def safe_cell(value: object) -> object:
    """Return the value as it must be written: neutralise risky text, hex-encode bytes."""
    if isinstance(value, str):
        return FORMULA_PREFIX + value if value[:1] in RISKY_FIRST else value
    if isinstance(value, bytes):
        return value.hex()
    return value


def _plain_is_exact(text: str, rows: int, width: int) -> bool:
    """Tell whether `text`, rendered without quoting or neutralising, is already the contract.

    It is when every comma, CR and LF is a separator (so no field needs quotes), there is no
    quote at all, no field starts with a risky character and no value was bytes (`b'…'`).
    Every test is a substring count or search in C; a false "no" only costs the slow path.
    """
    if width < 2 or text[:1] in '=+-@\t\r"b':
        return False
    if text.count(",") != rows * (width - 1) or text.count("\n") != rows:
        return False
    if text.count("\r") != rows or '"' in text:
        return False
    if any(ch in text for ch in _RARE_RISKY) or ",-" in text or "\n-" in text:
        return False
    return not ("'" in text and "b'" in text)


def render_rows(rows: Sequence[tuple[Any, ...]], width: int) -> str:
    """Render rows (NULLs already turned into '') as CSV text in the contract's dialect.

    Fast path: one `%` format per row; it is kept only when `_plain_is_exact` proves it equal to
    the slow path, `csv.writer` (QUOTE_MINIMAL) over `safe_cell` values.
    """
    line = ",".join(["%s"] * width) + LINE_END
    text = "".join([line % row for row in rows])
    if _plain_is_exact(text, len(rows), width):
        return text
    buf = io.StringIO()
    csv.writer(buf, lineterminator=LINE_END).writerows([tuple(map(safe_cell, r)) for r in rows])
    return buf.getvalue()


def header_line(spec: TableSpec) -> str:
    """Return the CSV header row (column names, neutralised like any text)."""
    return render_rows([tuple(c.name for c in spec.columns)], len(spec.columns))


def _select(spec: TableSpec) -> str:
    cols = ", ".join(f"ifnull({quote_ident(c.name)}, '')" for c in spec.columns)
    return f"SELECT {cols} FROM {quote_ident(spec.name)}"


def _order(spec: TableSpec) -> str:
    return " ORDER BY " + ", ".join(quote_ident(k) for k in spec.key)


def plan_pieces(
    conn: sqlite3.Connection, spec: TableSpec, piece_rows: int = PIECE_ROWS
) -> tuple[int, list[PieceQuery]]:
    """Cut a table into key ranges of at most `piece_rows` rows (one range when small).

    Returns the table's row count and the pieces. Boundaries are every `piece_rows`-th key in
    key order, so they depend only on the data. A table without a PRIMARY KEY, or with NULL in a
    key column, is rendered as one piece (row value comparisons do not order NULLs).
    """
    table = quote_ident(spec.name)
    (count,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    count = int(count)
    whole = count, [PieceQuery(_select(spec) + _order(spec), ())]
    if not spec.has_primary_key or count <= piece_rows:
        return whole
    keys = ", ".join(quote_ident(k) for k in spec.key)
    null_test = " OR ".join(f"{quote_ident(k)} IS NULL" for k in spec.key)
    if conn.execute(f"SELECT 1 FROM {table} WHERE {null_test} LIMIT 1").fetchone():
        return whole
    marks = ", ".join("?" for _ in spec.key)
    # Each boundary is `piece_rows` keys past the previous one: a walk over the key index (keys
    # are unique and not NULL), linear in the table, ~50x faster than a row_number() window.
    first = f"SELECT {keys} FROM {table} ORDER BY {keys} LIMIT 1 OFFSET ?"
    step = (
        f"SELECT {keys} FROM {table} WHERE ({keys}) >= ({marks}) ORDER BY {keys} LIMIT 1 OFFSET ?"
    )
    bounds: list[tuple[Any, ...]] = []
    row = conn.execute(first, (piece_rows,)).fetchone()
    while row is not None:
        bounds.append(tuple(row))
        row = conn.execute(step, (*row, piece_rows)).fetchone()
    pieces: list[PieceQuery] = []
    lower: tuple[Any, ...] | None = None
    for bound in [*bounds, None]:
        where: list[str] = []
        params: list[Any] = []
        if lower is not None:
            where.append(f"({keys}) >= ({marks})")
            params.extend(lower)
        if bound is not None:
            where.append(f"({keys}) < ({marks})")
            params.extend(bound)
        sql = _select(spec) + " WHERE " + " AND ".join(where) + _order(spec)
        pieces.append(PieceQuery(sql, tuple(params)))
        lower = tuple(bound) if bound is not None else None
    return count, pieces


def render_piece(
    db_path: str, query: PieceQuery, header: str, last: bool, level: int = LEVEL
) -> Piece:
    """Select one piece, render it as CSV (after `header`, which may be empty) and deflate it."""
    comp = compressor(level)
    out: list[bytes] = []
    crc = 0
    size = 0
    rows = 0
    width = 0
    conn = connect_readonly(Path(db_path))
    try:
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        cursor = conn.execute(query.sql, query.params)
        text = header
        while True:
            batch = cursor.fetchmany(_BATCH)
            if batch:
                rows += len(batch)
                width = width or len(batch[0])
                text += render_rows(batch, width)
            if text:
                data = text.encode("utf-8")
                crc = zlib.crc32(data, crc)
                size += len(data)
                out.append(comp.compress(data))
                text = ""
            if not batch:
                break
    finally:
        conn.close()
    out.append(end_piece(comp, last=last))
    return Piece(b"".join(out), crc, size, rows)
