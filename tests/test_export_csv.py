"""The CSV.GZ dialect of the export contract (design §6), one behaviour per test."""

from __future__ import annotations

import csv
import gzip
import io
import sqlite3
import zlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from export.csvgz import LINE_END, render_rows, safe_cell
from export.exporter import export_tables
from export.gzipframe import crc32_combine


def _db(path: Path, ddl: str, rows: list[tuple[object, ...]]) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(ddl)
    table = ddl.split()[2]
    marks = ",".join("?" * len(rows[0])) if rows else ""
    if rows:
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    conn.commit()
    conn.close()
    return path


def _export_text(tmp_path: Path, ddl: str, rows: list[tuple[object, ...]], **kw: object) -> str:
    db = _db(tmp_path / "metrics.db", ddl, rows)
    out = tmp_path / "out"
    report = export_tables(db, out, keep_days=0, **kw)  # type: ignore[arg-type]
    return gzip.decompress((out / report.files[0].name).read_bytes()).decode("utf-8")


def _reference(rows: list[tuple[object, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=LINE_END)
    writer.writerows([tuple(safe_cell("" if v is None else v) for v in r) for r in rows])
    return buf.getvalue()


def test_formula_text_is_neutralised(tmp_path: Path) -> None:
    """Text beginning with =, +, -, @, TAB or CR gets a leading apostrophe."""
    rows = [(1, "=HYPERLINK(1)"), (2, "+1"), (3, "-2"), (4, "@x"), (5, "\tx"), (6, "\rx")]
    text = _export_text(tmp_path, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", rows)
    lines = text.split(LINE_END)
    assert lines[1:6] == ["1,'=HYPERLINK(1)", "2,'+1", "3,'-2", "4,'@x", "5,'\tx"]
    assert lines[6] == '6,"\'\rx"'


def test_negative_numbers_are_not_mangled(tmp_path: Path) -> None:
    """Numbers stored as numbers keep their sign: -5 stays -5, -0.5 stays -0.5."""
    text = _export_text(
        tmp_path, "CREATE TABLE t (k INTEGER PRIMARY KEY, i INTEGER, r REAL)", [(1, -5, -0.5)]
    )
    assert text == f"k,i,r{LINE_END}1,-5,-0.5{LINE_END}"


def test_null_is_an_empty_field(tmp_path: Path) -> None:
    """NULL in any column type is written as an empty field."""
    text = _export_text(
        tmp_path,
        "CREATE TABLE t (k INTEGER PRIMARY KEY, a TEXT, b INTEGER, c REAL)",
        [(1, None, None, None)],
    )
    assert text.split(LINE_END)[1] == "1,,,"


def test_column_order_is_the_tables(tmp_path: Path) -> None:
    """The header lists the columns in declaration order, not key or alphabetical order."""
    text = _export_text(
        tmp_path,
        "CREATE TABLE t (zeta TEXT, alpha INTEGER, mid REAL, PRIMARY KEY (alpha, zeta))",
        [("z", 1, 2.5)],
    )
    assert text.split(LINE_END)[:2] == ["zeta,alpha,mid", "z,1,2.5"]


def test_rows_are_sorted_by_primary_key(tmp_path: Path) -> None:
    """Rows come out in PRIMARY KEY order (key order, not column order)."""
    rows = [("b", 2, "x"), ("a", 2, "y"), ("c", 1, "z")]
    text = _export_text(
        tmp_path, "CREATE TABLE t (s TEXT, n INTEGER, v TEXT, PRIMARY KEY (n, s))", rows
    )
    assert text.split(LINE_END)[1:4] == ["c,1,z", "a,2,y", "b,2,x"]


def test_numbers_format_exactly(tmp_path: Path) -> None:
    """Integers have no .0; REAL values are Python's repr and read back to the same double."""
    values = [0.1, 15.0, 1e-7, 1 / 3, 2.5e300]
    rows = [(i, i * 1000, v) for i, v in enumerate(values)]
    text = _export_text(tmp_path, "CREATE TABLE t (k INTEGER PRIMARY KEY, n INTEGER, r REAL)", rows)
    body = [line.split(",") for line in text.split(LINE_END)[1:-1]]
    assert [b[1] for b in body] == [str(i * 1000) for i in range(len(values))]
    assert [b[2] for b in body] == [repr(v) for v in values]
    assert [float(b[2]) for b in body] == values


def test_quoting_only_when_needed(tmp_path: Path) -> None:
    """Fields holding a comma, quote, CR or LF are quoted (quotes doubled); others are not."""
    rows = [(1, 'say "hi", then\nleave'), (2, "plain text")]
    text = _export_text(tmp_path, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", rows)
    assert text == f'k,v{LINE_END}1,"say ""hi"", then\nleave"{LINE_END}2,plain text{LINE_END}'


def test_unicode_is_utf8(tmp_path: Path) -> None:
    """Non-ASCII text is written as UTF-8 without a byte-order mark."""
    text = _export_text(tmp_path, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)", [(1, "Zoë 北")])
    assert text == f"k,v{LINE_END}1,Zoë 北{LINE_END}"


def test_gzip_header_is_fixed(tmp_path: Path) -> None:
    """The gzip header has mtime 0 and no file name, so bytes depend only on the data."""
    db = _db(tmp_path / "metrics.db", "CREATE TABLE t (k INTEGER PRIMARY KEY)", [(1,)])
    export_tables(db, tmp_path / "out", keep_days=0)
    head = (tmp_path / "out" / "t.csv.gz").read_bytes()[:10]
    assert head == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def test_workers_do_not_change_bytes(tmp_path: Path) -> None:
    """Pieces change no CSV text, and worker processes change no bytes."""
    rows = [(f"e{i % 3}", i, f"=x{i}" if i % 7 == 0 else f"v{i}", i / 7) for i in range(2500)]
    ddl = "CREATE TABLE t (e TEXT, n INTEGER, v TEXT, r REAL, PRIMARY KEY (e, n))"
    db = _db(tmp_path / "metrics.db", ddl, rows)
    whole = export_tables(db, tmp_path / "a", keep_days=0, workers=0, piece_rows=10**6)
    cut = export_tables(db, tmp_path / "b", keep_days=0, workers=0, piece_rows=300)
    pooled = export_tables(db, tmp_path / "c", keep_days=0, workers=2, piece_rows=300)
    assert cut.files[0].sha256 == pooled.files[0].sha256
    texts = [gzip.decompress((tmp_path / d / "t.csv.gz").read_bytes()) for d in "abc"]
    assert texts[0] == texts[1] == texts[2]
    assert whole.files[0].rows == cut.files[0].rows == 2500


def test_crc32_combine_matches_zlib() -> None:
    """Combining the CRCs of two pieces equals the CRC of their concatenation."""
    a, b = b"hello, " * 1000, b"world\r\n" * 333
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


_cells = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.text(alphabet=st.sampled_from(list("ab,\"'\r\n\t=+-@ é")), max_size=6),
    st.binary(max_size=4),
)


@given(st.lists(st.tuples(_cells, _cells, _cells), min_size=1, max_size=20))
def test_fast_rendering_equals_csv_module(rows: list[tuple[object, object, object]]) -> None:
    """For any values, the rendered text equals csv.writer over neutralised cells."""
    prepared = [tuple("" if v is None else v for v in r) for r in rows]
    assert render_rows(prepared, 3) == _reference(list(rows))
