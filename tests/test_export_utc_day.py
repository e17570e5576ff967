"""Export and backup date their copies by the UTC day (as `daily` does), whatever the local zone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from export.backup import backup
from export.exporter import export_tables

ZONES = ("Etc/GMT-14", "Etc/GMT+12")
"""UTC+14 and UTC−12: at every hour of the day, one of the two has a local date that is not the
UTC date (UTC+14 from 10:00 UTC on, UTC−12 before 12:00 UTC)."""


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The process runs in a far-off local time zone."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "metrics.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE collection_runs (run_id TEXT PRIMARY KEY, status TEXT)")
        conn.execute("INSERT INTO collection_runs VALUES ('r1', 'ok')")
    return db


def test_export_history_is_dated_by_the_utc_day(tmp_path: Path, zone: str) -> None:
    """The dated copy of an export without `today` is under history/<UTC day>/."""
    report = export_tables(_db(tmp_path), tmp_path / "out", workers=0)
    assert report.history_dir is not None
    assert report.history_dir.name == datetime.now(UTC).date().isoformat()


def test_backup_is_dated_by_the_utc_day(tmp_path: Path, zone: str) -> None:
    """A backup without `today` is named by the UTC day."""
    (tmp_path / "raw").mkdir()
    backup(_db(tmp_path), tmp_path / "raw", tmp_path / "backup")
    names = [p.name for p in (tmp_path / "backup").rglob("metrics-*.db")]
    assert names == [f"metrics-{datetime.now(UTC).date().isoformat()}.db"]
