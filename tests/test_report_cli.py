"""`ghmc report` through the CLI: bad input gives a clear message and an exit code, never a
traceback; `daily` writes the report beside the export and a report failure is a step failure."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from report_demo import config_path, db_path

import jobs.daily
from cli import main
from dashboards.report import vendor


def run(folder: Path, *args: str) -> int:
    """Run ghmc with the demo's config; return the exit code."""
    with pytest.raises(SystemExit) as done:
        main(["--config", str(config_path(folder)), *args])
    return int(done.value.code or 0)


def copy_demo(src: Path, dest: Path) -> Path:
    """A copy of the demo's config and metrics.db (config paths are relative to it)."""
    (dest / "data").mkdir(parents=True)
    shutil.copy2(config_path(src), config_path(dest))
    shutil.copy2(db_path(src), db_path(dest))
    return dest


def test_missing_metrics_db(
    report_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No metrics.db: exit 1 with a message saying to run `ghmc project`, no traceback."""
    demo = copy_demo(report_demo, tmp_path / "d")
    db_path(demo).unlink()
    assert run(demo, "report", "--out", str(tmp_path / "r.html")) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "ghmc project" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "is empty"), (b"not a database" * 200, "not a readable")]
)
def test_empty_or_garbage_metrics_db(
    report_demo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    message: str,
) -> None:
    """An empty or unreadable metrics.db: exit 1 naming the problem, no traceback."""
    demo = copy_demo(report_demo, tmp_path / "d")
    db_path(demo).write_bytes(content)
    assert run(demo, "report", "--out", str(tmp_path / "r.html")) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_metrics_db_without_tables(
    report_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SQLite file with none of the tables: exit 1, 'holds no metrics tables'."""
    demo = copy_demo(report_demo, tmp_path / "d")
    db_path(demo).unlink()
    with closing(sqlite3.connect(db_path(demo))) as conn:
        conn.execute("CREATE TABLE other (x)")
    assert run(demo, "report", "--out", str(tmp_path / "r.html")) == 1
    assert "holds no metrics tables" in capsys.readouterr().err


def test_older_definition_without_a_column(
    report_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A metrics.db whose table lacks a registry column: exit 1 naming table and column."""
    demo = copy_demo(report_demo, tmp_path / "d")
    with closing(sqlite3.connect(db_path(demo))) as conn:
        conn.execute("ALTER TABLE dora_metrics DROP COLUMN rework_rate")
    assert run(demo, "report", "--out", str(tmp_path / "r.html")) == 1
    err = capsys.readouterr().err
    assert "older definition version" in err and "dora_metrics lacks rework_rate" in err


def test_older_definition_version_warns(
    report_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table built by another definition version: the report is written with a warning on
    stderr and a banner in the page naming the table."""
    demo = copy_demo(report_demo, tmp_path / "d")
    with closing(sqlite3.connect(db_path(demo))) as conn, conn:
        conn.execute("UPDATE _table_versions SET version = 'old' WHERE table_name = 'dora_metrics'")
    out = tmp_path / "r.html"
    assert run(demo, "report", "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert "older definition version (dora_metrics)" in err
    assert "older definition version (dora_metrics)" in out.read_text(encoding="utf-8")


def test_bad_since_and_unknown_enterprise(
    report_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--since that is not a day is bad usage (2); an enterprise without rows is exit 1."""
    assert run(report_demo, "report", "--out", str(tmp_path / "r.html"), "--since", "May") == 2
    assert "--since" in capsys.readouterr().err
    assert (
        run(report_demo, "report", "--out", str(tmp_path / "r.html"), "--enterprise", "nope") == 1
    )
    err = capsys.readouterr().err
    assert "--enterprise nope" in err and "contoso" in err


def test_enterprise_and_since_narrow_the_data(report_demo: Path, tmp_path: Path) -> None:
    """--enterprise and --since reach the SQL: only that enterprise and those days are inlined."""
    out = tmp_path / "r.html"
    with closing(sqlite3.connect(db_path(report_demo))) as conn:
        last = conn.execute("SELECT max(day) FROM copilot_daily_metrics").fetchone()[0]
    assert (
        run(report_demo, "report", "--out", str(out), "--enterprise", "fabrikam", "--since", last)
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert '"enterprises":["fabrikam"]' in text
    assert '["contoso",' not in text
    assert f'"since":"{last}"' in text


def test_report_is_deterministic(report_demo: Path, tmp_path: Path) -> None:
    """The same metrics.db gives the same bytes (no clock in the page, animations off)."""
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert run(report_demo, "report", "--out", str(a)) == 0
    assert run(report_demo, "report", "--out", str(b)) == 0
    assert a.read_bytes() == b.read_bytes()
    assert "animation: false" in a.read_text(encoding="utf-8")


def test_changed_vendored_library_is_refused(tmp_path: Path) -> None:
    """A vendored echarts.min.js whose sha256 differs from the recorded one is a clear error."""
    shutil.copytree(vendor.VENDOR_DIR, tmp_path / "vendor")
    lib = tmp_path / "vendor" / vendor.ECHARTS_FILE
    lib.write_bytes(lib.read_bytes() + b"\n")
    with pytest.raises(vendor.ReportError, match="expected " + vendor.ECHARTS_SHA256):
        vendor.echarts_source(tmp_path / "vendor")
    assert "Licensed to the Apache Software Foundation" in vendor.echarts_source()


def test_daily_wrote_the_report_beside_the_export(report_demo: Path) -> None:
    """The demo's daily runs wrote ghmc-report.html into the export folder and the OneDrive copy,
    the same bytes, with no temporary file left."""
    export = report_demo / "data" / "export" / "ghmc-report.html"
    onedrive = report_demo / "onedrive" / "ghmc-report.html"
    assert export.read_bytes() == onedrive.read_bytes()
    assert b'<script type="application/json" id="ghmc-data">' in export.read_bytes()
    for folder in (export.parent, onedrive.parent):
        assert not list(folder.glob(".ghmc-tmp-*"))


def test_daily_report_failure_is_a_step_failure(
    report_demo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A report that cannot be written fails its step (exit 1); backup and clean-up still run."""
    demo = tmp_path / "d"
    shutil.copytree(report_demo, demo)  # archive included: export checks metrics.db against it
    report = demo / "data" / "export" / "ghmc-report.html"
    report.unlink()
    report.mkdir()  # a folder in its way

    def no_ingest(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("ingest skipped by the test")

    monkeypatch.setattr(jobs.daily, "run_ingest", no_ingest)
    monkeypatch.setenv("GHMC_DEMO_TOKEN_0", "t0")
    monkeypatch.setenv("GHMC_DEMO_TOKEN_1", "t1")
    assert run(demo, "daily") == 1
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isalpha()}
    assert "FAILED: cannot write the report to" in lines["report"]
    assert "FAILED" not in lines["export"] and "FAILED" not in lines["backup"]
    assert "cleanup" in lines
