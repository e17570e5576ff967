"""The Parquet export: same rows and order as the CSV, typed columns, deterministic bytes."""

from __future__ import annotations

import io
import json
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


def test_daily_with_parquet_publishes_typed_copies_of_every_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`export.formats = ["csv.gz", "parquet"]` through `daily` against the simulator: every
    table also as `<table>.parquet` in the same manifest and the OneDrive copy, with metrics.db's
    rows in key order and typed columns, read back by pyarrow and DuckDB."""
    from site_support import run, set_problems, simulator, token_env, write_config

    from export.parquet import arrow_type as typed

    with simulator() as sim:
        for name, value in token_env(sim).items():
            monkeypatch.setenv(name, value)
        cfg = write_config(sim, tmp_path)
        text = cfg.read_text(encoding="utf-8")
        cfg.write_text(text.replace("[export]\n", '[export]\nformats = ["csv.gz", "parquet"]\n'))
        assert run(cfg, "daily") == 0
    export_dir, onedrive = tmp_path / "data" / "export", tmp_path / "onedrive"
    doc = json.loads((export_dir / "manifest.json").read_bytes())
    parquet_files = {f["table"]: f for f in doc["files"] if f["format"] == "parquet"}
    csv_tables = {f["table"] for f in doc["files"] if f["format"] == "csv.gz"}
    assert set(parquet_files) == csv_tables and len(csv_tables) >= 14
    assert set_problems(export_dir) == [] and set_problems(onedrive) == []
    db = connect_readonly(tmp_path / "data" / "metrics.db")
    duck = duckdb.connect()
    for table, entry in parquet_files.items():
        path = export_dir / entry["name"]
        assert (onedrive / entry["name"]).read_bytes() == path.read_bytes()
        spec = table_spec(db, table)
        order = ", ".join(spec.key)
        expected = db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        got = pq.read_table(path)
        assert got.num_rows == entry["rows"] == len(expected), table
        assert [str(t) for t in got.schema.types] == [str(typed(c)) for c in spec.columns]
        kinds = [typed(c) for c in spec.columns]
        normal = [
            tuple(_as_typed(v, k) for v, k in zip(row, kinds, strict=True)) for row in expected
        ]
        assert [tuple(r.values()) for r in got.to_pylist()] == normal, table
        count = duck.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()
        assert count == (len(expected),)


def _as_typed(value: object, kind: pa.DataType) -> object:
    if value is None or not isinstance(value, str):
        return value
    if kind == pa.date32():
        return date.fromisoformat(value)
    if kind == pa.timestamp("us", tz="UTC"):
        return datetime.fromisoformat(value)
    return value


def test_formats_must_include_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`export.formats` without csv.gz, or with an unknown format, is exit 2 naming the key."""
    import cli

    for formats in ('["parquet"]', '["csv.gz", "xlsx"]'):
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            'history_days = 1\n[[enterprises]]\nid = "a"\ntoken_env = "T"\norgs = ["o"]\n'
            f"[export]\nformats = {formats}\n",
            encoding="utf-8",
        )
        with pytest.raises(SystemExit) as done:
            cli.main(["--config", str(cfg), "status"])
        assert done.value.code == 2
        assert "export.formats" in capsys.readouterr().err
