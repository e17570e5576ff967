"""export_tables: files, manifest, OneDrive copy, dated copies and crash safety (design §6)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from export import ExportError, export_tables

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)


def make_metrics_db(path: Path, *, extra_seat: str = "") -> Path:
    """Build a small metrics.db with a few contract tables and internal ones."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE copilot_seats (enterprise_id TEXT, snapshot_day TEXT, org TEXT,
            user_login TEXT, user_id INTEGER, plan_type TEXT, last_activity_at TEXT,
            inactive_days INTEGER, source_event_id TEXT,
            PRIMARY KEY (enterprise_id, snapshot_day, org, user_login));
        CREATE TABLE dora_metrics (enterprise_id TEXT, org TEXT, repo TEXT, granularity TEXT,
            period_start TEXT, deployments INTEGER, lead_time_median_minutes REAL,
            change_failure_rate REAL, df_level TEXT,
            PRIMARY KEY (enterprise_id, org, repo, granularity, period_start));
        CREATE TABLE collection_runs (run_id TEXT PRIMARY KEY, enterprise_id TEXT,
            started_at TEXT, status TEXT, requests INTEGER, errors TEXT);
        CREATE TABLE _meta (table_name TEXT PRIMARY KEY, definition_version TEXT);
        CREATE TABLE _state (k TEXT PRIMARY KEY, v TEXT);
        """
    )
    seats = [
        ("contoso", "2026-11-24", "web", "zoe", 3, "business", "2026-11-20T10:00:00Z", 4, "e1"),
        ("contoso", "2026-11-24", "web", "=cmd|' /C calc'!A0", 4, "business", None, None, "e2"),
        ("contoso", "2026-11-24", "", "adam", 5, "enterprise", None, None, "e3"),
    ]
    if extra_seat:
        seats.append(("contoso", "2026-11-24", "web", extra_seat, 6, "business", None, None, "e4"))
    conn.executemany("INSERT INTO copilot_seats VALUES (?,?,?,?,?,?,?,?,?)", seats)
    conn.executemany(
        "INSERT INTO dora_metrics VALUES (?,?,?,?,?,?,?,?,?)",
        [
            ("contoso", "", "", "week", "2026-11-16", 12, 1440.5, 0.083, "elite"),
            ("contoso", "web", "web/app", "month", "2026-11-01", 0, None, None, "low"),
        ],
    )
    conn.execute("INSERT INTO collection_runs VALUES ('r1','contoso','t','ok',10,'')")
    conn.executemany(
        "INSERT INTO _meta VALUES (?,?)", [("copilot_seats", "v1:abc"), ("dora_metrics", "v2:def")]
    )
    conn.commit()
    conn.close()
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file under `folder` (relative path → bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_exports_one_file_per_table_and_skips_internal(tmp_path: Path) -> None:
    """Every table but `_…` ones becomes `<table>.csv.gz`, listed in manifest.json."""
    db = make_metrics_db(tmp_path / "metrics.db")
    report = export_tables(db, tmp_path / "out", keep_days=0, head_hash="ab" * 32, today=TODAY)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [
        "collection_runs.csv.gz",
        "copilot_seats.csv.gz",
        "dora_metrics.csv.gz",
        "manifest.json",
    ]
    assert report.rows == 6


def test_export_twice_is_byte_identical(tmp_path: Path) -> None:
    """Exporting the same metrics.db twice gives byte-identical files, manifest included."""
    db = make_metrics_db(tmp_path / "metrics.db")
    export_tables(db, tmp_path / "a", keep_days=0, head_hash="h", today=TODAY)
    export_tables(db, tmp_path / "b", keep_days=0, head_hash="h", today=date(2027, 1, 1))
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_manifest_hashes_and_lineage_match(tmp_path: Path) -> None:
    """Every manifest entry's sha256, size and rows match its file; lineage is recorded."""
    db = make_metrics_db(tmp_path / "metrics.db")
    out = tmp_path / "out"
    export_tables(db, out, keep_days=0, head_hash="c0ffee", today=TODAY)
    doc = json.loads((out / "manifest.json").read_bytes())
    assert doc["archive_head"] == "c0ffee"
    assert doc["definitions"] == {"copilot_seats": "v1:abc", "dora_metrics": "v2:def"}
    for entry in doc["files"]:
        data = (out / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
    seats = next(e for e in doc["files"] if e["table"] == "copilot_seats")
    assert seats["rows"] == 3
    assert seats["key"] == ["enterprise_id", "snapshot_day", "org", "user_login"]
    assert seats["columns"][4] == {"name": "user_id", "type": "INTEGER"}


def test_manifest_without_meta_table(tmp_path: Path) -> None:
    """A metrics.db without `_meta` exports with `definitions: null`."""
    db = make_metrics_db(tmp_path / "metrics.db")
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE _meta")
    export_tables(db, tmp_path / "out", keep_days=0, today=TODAY)
    assert json.loads((tmp_path / "out" / "manifest.json").read_bytes())["definitions"] is None


def test_onedrive_copy_equals_export(tmp_path: Path) -> None:
    """The OneDrive folder receives the same files and manifest as the export folder."""
    db = make_metrics_db(tmp_path / "metrics.db")
    report = export_tables(db, tmp_path / "out", tmp_path / "od", keep_days=0, today=TODAY)
    assert report.onedrive_dir == tmp_path / "od"
    assert snapshot(tmp_path / "od") == snapshot(tmp_path / "out")


def test_dated_copies_are_kept_and_pruned(tmp_path: Path) -> None:
    """Each export leaves history/YYYY-MM-DD; copies keep_days old or older are removed."""
    db = make_metrics_db(tmp_path / "metrics.db")
    out = tmp_path / "out"
    export_tables(db, out, keep_days=3, today=date(2026, 11, 20))
    export_tables(db, out, keep_days=3, today=date(2026, 11, 22))
    report = export_tables(db, out, keep_days=3, today=date(2026, 11, 23))
    assert sorted(p.name for p in (out / "history").iterdir()) == ["2026-11-22", "2026-11-23"]
    assert report.pruned == (out / "history" / "2026-11-20",)
    assert (out / "history" / "2026-11-23" / "manifest.json").read_bytes() == (
        out / "manifest.json"
    ).read_bytes()


def test_dropped_table_file_is_removed(tmp_path: Path) -> None:
    """A file the previous manifest listed for a table that no longer exists is removed."""
    db = make_metrics_db(tmp_path / "metrics.db")
    export_tables(db, tmp_path / "out", tmp_path / "od", keep_days=0, today=TODAY)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE collection_runs")
    export_tables(db, tmp_path / "out", tmp_path / "od", keep_days=0, today=TODAY)
    for folder in ("out", "od"):
        assert not (tmp_path / folder / "collection_runs.csv.gz").exists()


def test_missing_database_says_what_to_do(tmp_path: Path) -> None:
    """Exporting without metrics.db raises ExportError pointing at `ghmc project`."""
    with pytest.raises(ExportError, match="ghmc project"):
        export_tables(tmp_path / "nope.db", tmp_path / "out")


def test_unwritable_target_replaces_nothing(tmp_path: Path) -> None:
    """When the OneDrive folder cannot be written, the error says nothing was replaced."""
    db = make_metrics_db(tmp_path / "metrics.db")
    blocker = tmp_path / "od"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(ExportError, match="Nothing already published was replaced"):
        export_tables(db, tmp_path / "out", blocker, keep_days=0, today=TODAY)


_KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import export.exporter as ex

    db, out, od, stage = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    target = "trailer" if stage == "render" else "copy_to_temp"
    original = getattr(ex, target)
    calls = []

    def pause(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # mid-way: one file done, the next half-written
            print("PAUSED", flush=True)
            sys.stdin.read()
        return original(*args, **kwargs)

    setattr(ex, target, pause)
    ex.export_tables(db, out, od, keep_days=0, workers=0)
    """
)


@pytest.mark.parametrize("stage", ["render", "onedrive"])
def test_killed_export_leaves_previous_files_intact(tmp_path: Path, stage: str) -> None:
    """SIGKILL during an export leaves the previous export whole in both folders."""
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("needs SIGKILL")
    db = make_metrics_db(tmp_path / "metrics.db")
    out, od = tmp_path / "out", tmp_path / "od"
    export_tables(db, out, od, keep_days=0, today=TODAY)
    before_out, before_od = snapshot(out), snapshot(od)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE copilot_seats SET plan_type = 'changed'")
        conn.execute("UPDATE dora_metrics SET deployments = deployments + 1")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(db), str(out), str(od), stage],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"PAUSED\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    published = {k: v for k, v in snapshot(od).items() if not k.startswith(".ghmc-tmp-")}
    assert published == before_od
    if stage == "render":
        assert {k: v for k, v in snapshot(out).items() if ".ghmc-tmp-" not in k} == before_out
    assert any(".ghmc-tmp-" in k for k in {**snapshot(out), **snapshot(od)})
    export_tables(db, out, od, keep_days=0, today=TODAY)
    assert not [k for k in {**snapshot(out), **snapshot(od)} if ".ghmc-tmp-" in k]
    assert snapshot(out) == snapshot(od) != before_od
