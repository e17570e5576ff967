"""Benchmark: export of a synthetic metrics.db (≥ 1M rows) against the floor of plain gzip.

    python bench/export_bench.py [--rows 1200000] [--workers N] [--compare]

Builds (once, cached in the temp folder) a metrics.db with contract-like tables, exports it with
`export.export_tables`, then measures the floor: gzip (zlib level 6, one stream, one core) of the
very CSV bytes the export produced, in the same run. `--compare` also times other ways to write
the largest table's CSV (csv.writer, pyarrow.csv, DuckDB COPY) and says whether they are
byte-identical to the contract.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from export import export_tables
from export.csvgz import LINE_END, safe_cell

SHARES = {
    "copilot_user_metrics": 0.35,
    "copilot_breakdown_daily": 0.25,
    "velocity_pull_requests": 0.2,
    "copilot_seats": 0.1,
    "dora_changes": 0.1,
}

DDL = """
CREATE TABLE copilot_user_metrics (enterprise_id TEXT, day TEXT, user_id INTEGER,
  user_login TEXT, user_initiated_interaction_count INTEGER, code_generation_activity_count INTEGER,
  code_acceptance_activity_count INTEGER, loc_added_sum INTEGER, loc_deleted_sum INTEGER,
  used_agent INTEGER, used_chat INTEGER, primary_ide TEXT, ai_credits_used REAL,
  source_event_id TEXT, PRIMARY KEY (enterprise_id, day, user_id));
CREATE TABLE copilot_breakdown_daily (enterprise_id TEXT, scope TEXT, org TEXT, day TEXT,
  dimension TEXT, ide TEXT, feature TEXT, language TEXT, model TEXT,
  code_generation_activity_count INTEGER, code_acceptance_activity_count INTEGER,
  loc_added_sum INTEGER, PRIMARY KEY (enterprise_id, scope, org, day, dimension, ide, feature,
  language, model));
CREATE TABLE velocity_pull_requests (enterprise_id TEXT, repo TEXT, pr_number INTEGER, org TEXT,
  author_login TEXT, author_kind TEXT, created_at TEXT, merged_at TEXT, additions INTEGER,
  deletions INTEGER, coding_minutes REAL, pickup_minutes REAL, review_minutes REAL,
  cycle_minutes REAL, PRIMARY KEY (enterprise_id, repo, pr_number));
CREATE TABLE copilot_seats (enterprise_id TEXT, snapshot_day TEXT, org TEXT, user_login TEXT,
  user_id INTEGER, plan_type TEXT, last_activity_at TEXT, last_activity_editor TEXT,
  inactive_days INTEGER, source_event_id TEXT,
  PRIMARY KEY (enterprise_id, snapshot_day, org, user_login));
CREATE TABLE dora_changes (enterprise_id TEXT, repo TEXT, pr_number INTEGER, org TEXT,
  author_login TEXT, first_commit_at TEXT, merged_at TEXT, deployment_key TEXT,
  deployed_at TEXT, lead_time_minutes REAL, attribution TEXT,
  PRIMARY KEY (enterprise_id, repo, pr_number));
CREATE TABLE _meta (table_name TEXT PRIMARY KEY, definition_version TEXT);
"""

IDES = ["vscode", "jetbrains", "visualstudio", "neovim"]
LANGS = ["python", "typescript", "go", "java", "csharp", "rust", "sql"]
MODELS = ["gpt-4.1", "claude-sonnet-4", "gemini-2.5-pro", "o3"]


def _day(i: int) -> str:
    return f"2026-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}"


def _ts(r: random.Random) -> str:
    return f"2026-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}T{r.randrange(24):02d}:00:00Z"


def _rows(table: str, n: int, r: random.Random) -> list[tuple[object, ...]]:
    if table == "copilot_user_metrics":
        users = 2000
        return [
            (
                "contoso" if i % 2 else "fabrikam",
                _day(i // users),
                i % users,
                f"user-{i % users}",
                r.randrange(200),
                r.randrange(500),
                r.randrange(300),
                r.randrange(2000),
                r.randrange(500),
                r.randrange(2),
                r.randrange(2),
                r.choice(IDES),
                round(r.random() * 40, 3),
                f"ev{i:012x}",
            )
            for i in range(n)
        ]
    if table == "copilot_breakdown_daily":
        return [
            (
                "contoso",
                "organization",
                f"org-{i % 13}",
                _day(i // 13 // 112),
                "language_model",
                IDES[i % 4],
                "code_completion",
                LANGS[(i // 4) % 7],
                MODELS[(i // 28) % 4] + f"-{i}",
                r.randrange(10000),
                r.randrange(5000),
                r.randrange(90000),
            )
            for i in range(n)
        ]
    if table == "velocity_pull_requests":
        return [
            (
                "contoso",
                f"org-{i % 7}/repo-{i % 900}",
                i,
                f"org-{i % 7}",
                f"dev-{r.randrange(3000)}",
                "human",
                _ts(r),
                None if i % 5 == 0 else _ts(r),
                r.randrange(3000),
                r.randrange(900),
                r.random() * 4000,
                round(r.random() * 600, 2),
                r.random() * 900,
                r.random() * 9000,
            )
            for i in range(n)
        ]
    if table == "copilot_seats":
        return [
            (
                "contoso",
                _day(i // 5000),
                f"org-{i % 13}",
                f"user-{i}",
                i,
                "business",
                _ts(r),
                "vscode/1.99.0/copilot-chat/0.26",
                r.randrange(90),
                f"ev{i:012x}",
            )
            for i in range(n)
        ]
    return [
        (
            "contoso",
            f"org-{i % 7}/repo-{i % 900}",
            i,
            f"org-{i % 7}",
            f"dev-{r.randrange(3000)}",
            _ts(r),
            _ts(r),
            f"dep-{i // 10}",
            _ts(r),
            r.random() * 10000,
            "merge_commit",
        )
        for i in range(n)
    ]


def build_db(path: Path, total: int) -> None:
    """Create the synthetic metrics.db (journal off, one transaction per table)."""
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.executescript(DDL)
    r = random.Random(7)
    for table, share in SHARES.items():
        rows = _rows(table, int(total * share), r)
        marks = ",".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        conn.commit()
    conn.executemany("INSERT INTO _meta VALUES (?, ?)", [(t, "bench") for t in SHARES])
    conn.commit()
    conn.close()
    tmp.replace(path)


def floor_seconds(csv_bytes: list[bytes]) -> float:
    """Time gzip (level 6, one stream per file, one core) of the given CSV bytes."""
    start = time.perf_counter()
    for data in csv_bytes:
        comp = zlib.compressobj(6, zlib.DEFLATED, 31)
        comp.compress(data)
        comp.flush()
    return time.perf_counter() - start


def compare(db: Path, table: str, expected: bytes) -> None:
    """Time other CSV writers on one table and check them against the contract's bytes."""
    conn = sqlite3.connect(db)
    cols = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    key = [
        row[1]
        for row in sorted(conn.execute(f"PRAGMA table_info({table})"), key=lambda r: r[5])
        if row[5]
    ]
    start = time.perf_counter()
    rows = conn.execute(f"SELECT * FROM {table} ORDER BY {', '.join(key)}").fetchall()
    fetch = time.perf_counter() - start
    print(f"  fetch {len(rows)} rows from SQLite:            {fetch:6.2f} s")
    start = time.perf_counter()
    buf = io.StringIO()
    import csv

    writer = csv.writer(buf, lineterminator=LINE_END)
    writer.writerow(cols)
    writer.writerows([tuple(safe_cell("" if v is None else v) for v in r) for r in rows])
    data = buf.getvalue().encode()
    print(
        f"  csv.writer + per-cell neutralising:        {time.perf_counter() - start:6.2f} s  "
        f"identical={data == expected}"
    )
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        start = time.perf_counter()
        arrow = pa.table(
            {c: pa.array(list(col)) for c, col in zip(cols, zip(*rows, strict=True), strict=True)}
        )
        built = time.perf_counter() - start
        out = io.BytesIO()
        pacsv.write_csv(arrow, out)
        print(
            f"  pyarrow: rows→Arrow {built:5.2f} s + write_csv "
            f"{time.perf_counter() - start - built:5.2f} s"
            f"  identical={out.getvalue() == expected} (quotes every string, LF, no neutralising)"
        )
        import duckdb

        start = time.perf_counter()
        target = db.parent / "duck.csv"
        duckdb.sql("COPY arrow TO '" + str(target) + "' (HEADER)")
        print(
            f"  duckdb COPY from that Arrow table:          {time.perf_counter() - start:6.2f} s  "
            f"identical={target.read_bytes() == expected}"
        )
        target.unlink()
    except ImportError as exc:
        print(f"  (skipped pyarrow/duckdb: {exc})")


def main() -> None:
    """Build or reuse the database, export it, measure the floor, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_200_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument(
        "--parquet", action="store_true", help="also export with formats csv.gz + parquet"
    )
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()) / "ghmc-export-bench"
    )
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    db = args.dir / f"metrics-{args.rows}.db"
    if not db.exists():
        start = time.perf_counter()
        build_db(db, args.rows)
        print(f"built {db} in {time.perf_counter() - start:.1f} s")
    out = args.dir / "out"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    report = export_tables(db, out, keep_days=0, workers=args.workers)
    seconds = time.perf_counter() - start
    csv_bytes = [gzip.decompress((out / f.name).read_bytes()) for f in report.files]
    floor = floor_seconds(csv_bytes)
    mb = sum(map(len, csv_bytes)) / 1e6
    gz = sum(f.bytes for f in report.files) / 1e6
    cpu = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    print(f"machine: {cpu}, SQLite {sqlite3.sqlite_version}, zlib {zlib.ZLIB_RUNTIME_VERSION}")
    print(f"rows {report.rows}, tables {len(report.files)}, CSV {mb:.1f} MB, gzip {gz:.1f} MB")
    rate, floor_rate = report.rows / seconds, report.rows / floor
    print(f"export:  {seconds:6.2f} s  {rate:>10,.0f} rows/s  {mb / seconds:6.1f} MB/s CSV")
    print(
        f"floor:   {floor:6.2f} s  {floor_rate:>10,.0f} rows/s  (gzip -6, same CSV bytes, 1 core)"
    )
    print(f"ratio:   {floor / seconds:6.1%} of the floor")
    if args.parquet:
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        both = export_tables(
            db, out, keep_days=0, workers=args.workers, formats=("csv.gz", "parquet")
        )
        with_parquet = time.perf_counter() - start
        pq_files = [f for f in both.files if f.format == "parquet"]
        pq_mb = sum(f.bytes for f in pq_files) / 1e6
        extra = with_parquet - seconds
        print(
            f"csv.gz + parquet: {with_parquet:6.2f} s ({with_parquet / seconds:4.2f}x the CSV-only "
            f"export; parquet alone ≈ {extra:5.2f} s, {report.rows / max(extra, 1e-9):,.0f} "
            f"rows/s, {pq_mb:.1f} MB in {len(pq_files)} files)"
        )
    if args.compare:
        biggest = max(report.files, key=lambda f: f.rows)
        print(f"compare on {biggest.table} ({biggest.rows} rows):")
        compare(db, biggest.table, csv_bytes[report.files.index(biggest)])


if __name__ == "__main__":
    main()
