"""Benchmark: build time and file size of the offline HTML report.

    python bench/report_bench.py [--demo] [--db PATH]... [--rounds 3] [--out-dir DIR]
        [--scale SRC DEST REPO_COPIES TIME_COPIES]

`--demo` first runs the demo (3 simulated days) into a temporary folder and measures its
metrics.db; each `--db` is another metrics.db (e.g. the simulated year's). Each round renders the
whole report from metrics.db in this process (`dashboards.report.render_report`: the SQL, the
JSON and the inlined chart library) and writes it; rounds of the databases are interleaved, so a
busy machine skews them alike. Target (issue #17): < 10 s and ≤ 10 MB for a year of 336
repositories. `--scale` builds a larger metrics.db from copies of a smaller one (see
`scaled_db`), for when a simulated year cannot be collected in the time at hand.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboards.report import render_report, write_report  # noqa: E402
from dashboards.report.queries import QUERIES  # noqa: E402


def demo_db(folder: Path) -> Path:
    """Run the demo into `folder` and return its metrics.db."""
    from jobs import demo

    result = demo.run_demo(folder, days=3, echo=lambda _line: None)
    return result.config.db_path


REPO_TABLES = ("dora_", "velocity_")
"""Tables with repository or developer rows: copied once per repository copy."""


def scaled_db(src: Path, dest: Path, repo_copies: int, time_copies: int) -> Path:
    """A larger metrics.db made of copies of `src`: each organisation and repository
    `repo_copies` times under new names (repository and velocity tables), and every table
    `time_copies` times, 18 weeks apart (dates and timestamps shifted; weeks stay Mondays; keys
    without a date — deployment and incident keys, PR numbers, run ids — get a suffix or an offset).
    Rows keep their real shapes; only names and dates change."""
    from projections import TABLES

    dest.unlink(missing_ok=True)
    conn = sqlite3.connect(dest)
    conn.execute("ATTACH DATABASE ? AS src", (f"file:{src}?mode=ro",))
    ddl = conn.execute("SELECT name, sql FROM src.sqlite_schema WHERE type = 'table'").fetchall()
    for name, sql in ddl:
        conn.execute(sql)
        if name not in TABLES:
            conn.execute(f"INSERT INTO main.{name} SELECT * FROM src.{name}")
            continue
        cols = [r[1] for r in conn.execute(f"PRAGMA src.table_info({name})")]
        per_repo = name.startswith(REPO_TABLES)
        for k in range(time_copies):
            shift = f"'+{126 * k} days'"
            for i in range(repo_copies if per_repo else 1):
                suffix = f"-c{i}" if i else ""
                exprs = []
                for c in cols:
                    if c in ("day", "snapshot_day", "period_start", "week_start"):
                        exprs.append(f"date({c}, {shift})")
                    elif c.endswith("_at"):
                        exprs.append(f"strftime('%Y-%m-%dT%H:%M:%SZ', {c}, {shift})")
                    elif c == "org" and suffix:
                        exprs.append(f"CASE WHEN org = '' THEN '' ELSE org || '{suffix}' END")
                    elif c == "repo" and suffix:
                        exprs.append(f"replace(repo, '/', '{suffix}/')")
                    elif k and c.endswith(("_key", "_number", "run_id")):
                        kind = dict(TABLES[name].columns)[c]  # keys without a date: made unique
                        exprs.append(
                            f"{c} + {k * 10_000_000}" if kind == "INTEGER" else f"{c} || '-t{k}'"
                        )
                    else:
                        exprs.append(c)
                conn.execute(
                    f"INSERT OR IGNORE INTO main.{name} ({', '.join(cols)}) "
                    f"SELECT {', '.join(exprs)} FROM src.{name}"
                )
        conn.commit()
    for (sql,) in conn.execute(
        "SELECT sql FROM src.sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall():
        conn.execute(sql)
    conn.commit()
    conn.close()
    return dest


def describe(db: Path) -> str:
    """Size of metrics.db, its repositories and days (what the report is built from)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        repos = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT enterprise_id, repo FROM velocity_pull_requests)"
        ).fetchone()
        days = conn.execute("SELECT min(day), max(day) FROM copilot_daily_metrics").fetchone()
        rows = sum(
            conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' "
                "ESCAPE '\\'"
            ).fetchall()
        )
    mb = db.stat().st_size / 1e6
    return f"{db}: {mb:.1f} MB, {rows:,} rows, {repos[0]} repositories, days {days[0]}…{days[1]}"


def main() -> None:
    """Measure each metrics.db for `--rounds` interleaved rounds and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", action="store_true", help="also measure a fresh demo's metrics.db")
    ap.add_argument("--db", action="append", type=Path, default=[], help="a metrics.db")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out-dir", type=Path, default=None, help="keep the reports here")
    ap.add_argument(
        "--scale",
        nargs=4,
        metavar=("SRC", "DEST", "REPO_COPIES", "TIME_COPIES"),
        default=None,
        help="first build DEST from copies of SRC (see scaled_db) and measure it too",
    )
    args = ap.parse_args()
    if args.scale:
        src, dest, repo_copies, time_copies = args.scale
        started = time.perf_counter()
        scaled_db(Path(src), Path(dest), int(repo_copies), int(time_copies))
        print(f"built {dest} in {time.perf_counter() - started:.1f} s")
        args.db.append(Path(dest))
    tmp = tempfile.TemporaryDirectory(prefix="ghmc-report-bench-")
    dbs: list[Path] = list(args.db)
    if args.demo:
        dbs.insert(0, demo_db(Path(tmp.name) / "demo"))
    out_dir = args.out_dir or Path(tmp.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"load average at start {os.getloadavg()}")
    for db in dbs:
        print(describe(db))
    times: dict[Path, list[float]] = {db: [] for db in dbs}
    sizes: dict[Path, int] = {}
    for _ in range(args.rounds):
        for i, db in enumerate(dbs):
            started = time.perf_counter()
            report = render_report(db)
            write_report(report, out_dir / f"report-{i}.html")
            times[db].append(time.perf_counter() - started)
            sizes[db] = len(report.html)
            rows = report.rows
    for db in dbs:
        ts = times[db]
        print(
            f"{db}: build {min(ts):.2f} s min / {statistics.median(ts):.2f} s median "
            f"({args.rounds} rounds), {sizes[db] / 1e6:.2f} MB"
        )
    print(f"datasets: {len(QUERIES)}; last report {rows:,} rows")
    print(f"load average at end {os.getloadavg()}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
