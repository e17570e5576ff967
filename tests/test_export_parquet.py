"""The Parquet export: same rows and order as the CSV, typed columns, deterministic bytes."""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from export import ExportError
from export.parquet import arrow_type, write_parquet
from export.schema import Column, connect_readonly, table_spec


def _db(path: Path, rows: list[tuple[object, ...]]) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE t (enterprise_id TEXT, day TEXT, merged_at TEXT, n INTEGER, "
        "minutes REAL, PRIMARY KEY (enterprise_id, day)) WITHOUT ROWID"
    )
    conn.executemany("INSERT INTO t VALUES (?,?,?,?,?)", rows)
    conn.commit()
    conn.close()
    return connect_readonly(path)


ROWS = [
    ("b", "2026-11-02", "2026-11-02T10:00:00Z", 3, 1.5),
    ("a", "2026-11-03", None, None, None),
    ("a", "2026-11-01", "2026-11-01T23:59:59.250000Z", 0, 0.0),
]


def test_column_types_follow_the_naming_rules() -> None:
    """Declared types map to Arrow types; day/_start/_date → date32, _at → UTC timestamps."""
    assert arrow_type(Column("deployments", "INTEGER")) == pa.int64()
    assert arrow_type(Column("rate", "REAL")) == pa.float64()
    assert arrow_type(Column("org", "TEXT")) == pa.string()
    for name in ("day", "snapshot_day", "week_start", "period_start", "pending_cancellation_date"):
        assert arrow_type(Column(name, "TEXT")) == pa.date32(), name
    assert arrow_type(Column("merged_at", "TEXT")) == pa.timestamp("us", tz="UTC")
    assert arrow_type(Column("merged_at", "INTEGER")) == pa.int64()


def test_rows_read_back_typed_and_in_key_order(tmp_path: Path) -> None:
    """pyarrow and DuckDB read the file back as the table's rows, sorted by the key, typed."""
    conn = _db(tmp_path / "m.db", ROWS)
    out = tmp_path / "t.parquet"
    with out.open("wb") as fh:
        assert write_parquet(conn, table_spec(conn, "t"), fh) == 3
    table = pq.read_table(out)
    assert table.column_names == ["enterprise_id", "day", "merged_at", "n", "minutes"]
    assert table.column("day").to_pylist() == [
        date(2026, 11, 1),
        date(2026, 11, 3),
        date(2026, 11, 2),
    ]
    assert table.column("merged_at").to_pylist()[0] == datetime(
        2026, 11, 1, 23, 59, 59, 250000, tzinfo=UTC
    )
    assert table.column("n").to_pylist() == [0, None, 3]
    duck = duckdb.connect()
    got = duck.execute(
        f"SELECT enterprise_id, CAST(day AS VARCHAR), n, minutes FROM read_parquet('{out}')"
    ).fetchall()
    assert got == [
        ("a", "2026-11-01", 0, 0.0),
        ("a", "2026-11-03", None, None),
        ("b", "2026-11-02", 3, 1.5),
    ]
    described = duck.execute(f"DESCRIBE SELECT * FROM read_parquet('{out}')").fetchall()
    types = {row[0]: row[1] for row in described}
    assert types["day"] == "DATE"
    assert types["merged_at"].startswith("TIMESTAMP WITH TIME ZONE")


def test_same_rows_give_the_same_bytes(tmp_path: Path) -> None:
    """Writing the same table twice, rows inserted in another order, gives identical bytes."""
    first = _db(tmp_path / "a.db", ROWS)
    second = _db(tmp_path / "b.db", list(reversed(ROWS)))
    one, two = io.BytesIO(), io.BytesIO()
    write_parquet(first, table_spec(first, "t"), one)
    write_parquet(second, table_spec(second, "t"), two)
    assert one.getvalue() == two.getvalue()


def test_a_malformed_date_names_table_and_column(tmp_path: Path) -> None:
    """A value that is not a date in a date column is an ExportError naming where it is."""
    conn = _db(tmp_path / "m.db", [("a", "yesterday", None, 1, 1.0)])
    with pytest.raises(ExportError, match=r"t\.day"):
        write_parquet(conn, table_spec(conn, "t"), io.BytesIO())
