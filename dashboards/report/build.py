"""`build_report`: metrics.db → one self-contained HTML file (`ghmc report`, and `daily` beside
the export)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from archive.durable import write_atomic
from dashboards.report import database, html, queries
from dashboards.report.errors import ReportError
from dashboards.report.pages import pages_json
from dashboards.report.vendor import ECHARTS_VERSION

REPORT_NAME = "ghmc-report.html"
"""The file name `daily` writes into the export folder and its OneDrive copy."""


@dataclass(frozen=True, slots=True)
class Report:
    """A rendered report, not yet written."""

    html: bytes
    enterprises: tuple[str, ...]
    rows: int
    warnings: tuple[str, ...]
    seconds: float


def render_report(
    db_path: Path,
    *,
    since: str | None = None,
    enterprises: Iterable[str] = (),
    expected_versions: Mapping[str, str] | None = None,
) -> Report:
    """Read metrics.db and render the report (ReportError with what to do when it cannot)."""
    started = time.perf_counter()
    if since is not None:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise ReportError(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
    conn = database.connect(Path(db_path))
    try:
        ents = database.enterprises(conn, enterprises)
        lineage = database.read_lineage(conn, expected_versions)
        datasets = queries.run_all(conn, ents, since)
    except sqlite3.Error as exc:
        raise ReportError(
            f"reading {db_path} failed ({exc}): run `ghmc project` to rebuild it"
        ) from exc
    finally:
        conn.close()
    warnings = []
    if lineage.outdated:
        warnings.append(
            "metrics.db holds tables built by an older definition version "
            f"({', '.join(lineage.outdated)}): run `ghmc project` to rebuild them; "
            "their numbers may differ from this ghmc's definitions"
        )
    payload: dict[str, Any] = {
        "pages": pages_json(),
        "datasets": {name: ds.to_json() for name, ds in datasets.items()},
        "lineage": {
            "archive_head": lineage.archive_head,
            "tables": [
                {
                    "table": t.table,
                    "version": t.version,
                    "archive_head": t.archive_head,
                    "kept_before": t.kept_before,
                    "rows": t.rows,
                    "current": t.current,
                }
                for t in lineage.tables
            ],
        },
        "enterprises": ents,
        "since": since,
        "warnings": warnings,
        "echarts": ECHARTS_VERSION,
    }
    text = html.render(payload, "ghmc report — " + ", ".join(ents))
    rows = sum(len(ds.rows) for ds in datasets.values())
    return Report(
        text.encode("utf-8"), tuple(ents), rows, tuple(warnings), time.perf_counter() - started
    )


def write_report(report: Report, *targets: Path) -> list[Path]:
    """Write the report to each target path atomically (temporary name, fsync, rename)."""
    written = []
    for target in map(Path, targets):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, report.html)
        except OSError as exc:
            raise ReportError(f"cannot write the report to {target}: {exc}") from exc
        written.append(target)
    return written


def build_report(
    db_path: Path,
    out: Path,
    *,
    since: str | None = None,
    enterprises: Iterable[str] = (),
    expected_versions: Mapping[str, str] | None = None,
    copies: Iterable[Path] = (),
) -> tuple[Report, list[Path]]:
    """Render the report from metrics.db and write it to `out` (and each of `copies`)."""
    report = render_report(
        db_path, since=since, enterprises=enterprises, expected_versions=expected_versions
    )
    return report, write_report(report, out, *copies)
