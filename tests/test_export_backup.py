"""Backups (daily online copy, weekly dump, raw mirror), retention and clean-up (design §6)."""

from __future__ import annotations

import gzip
import os
import sqlite3
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest

import archive
from export import BackupVerifyError, ExportError, backup, cleanup
from export.backup import table_counts

TODAY = date(2026, 11, 29)


def make_db(path: Path) -> Path:
    """Build a metrics.db with a contract table, an internal table and a WAL journal."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(
        """
        CREATE TABLE copilot_user_teams (enterprise_id TEXT, day TEXT, user_id INTEGER,
            team_slug TEXT, user_login TEXT, org TEXT,
            PRIMARY KEY (enterprise_id, day, user_id, team_slug));
        CREATE TABLE _meta (table_name TEXT PRIMARY KEY, definition_version TEXT);
        INSERT INTO _meta VALUES ('copilot_user_teams', 'v1');
        """
    )
    conn.executemany(
        "INSERT INTO copilot_user_teams VALUES (?,?,?,?,?,?)",
        [
            ("contoso", f"2026-11-{d:02d}", u, "t", f"u{u}", "web")
            for d in (1, 2)
            for u in range(50)
        ],
    )
    conn.commit()
    conn.close()
    return path


def make_raw(raw: Path) -> list[Path]:
    """Build an archive with the archive's writer: two sealed segments and one open segment."""
    with archive.ArchiveWriter.open(raw, segment_bytes=200) as writer:
        for i in range(2):
            writer.append(
                kind="repo.pulls",
                run_id="r",
                fetched_at=f"2026-11-25T08:00:0{i}.000000Z",
                request={"method": "GET"},
                response={"status": 200},
                body=os.urandom(300),
            )
    sealed = sorted(raw.rglob("*.ndjson.zst"))
    seg_dir = sealed[0].parent
    (seg_dir / f"{10:012d}.ndjson.zst.open").write_bytes(b"half")
    return sealed


def _dump_rows(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT * FROM copilot_user_teams ORDER BY 1,2,3,4").fetchall()


def test_daily_backup_opens_and_equals_source(tmp_path: Path) -> None:
    """The daily backup passes integrity_check and holds the same rows as metrics.db."""
    db = make_db(tmp_path / "metrics.db")
    report = backup(db, tmp_path / "raw", tmp_path / "bk", today=TODAY)
    assert report.daily_path == tmp_path / "bk" / "daily" / "metrics-2026-11-29.db"
    with sqlite3.connect(report.daily_path) as copy, sqlite3.connect(db) as src:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert table_counts(copy) == table_counts(src) == report.table_rows
        assert _dump_rows(copy) == _dump_rows(src)


def test_weekly_dump_recreates_database(tmp_path: Path) -> None:
    """The weekly gzipped SQL dump restores to a database with the same rows."""
    db = make_db(tmp_path / "metrics.db")
    report = backup(db, tmp_path / "raw", tmp_path / "bk", weekly=True, today=TODAY)
    assert report.weekly_path is not None
    restored = sqlite3.connect(":memory:")
    restored.executescript(gzip.decompress(report.weekly_path.read_bytes()).decode())
    with sqlite3.connect(db) as src:
        assert _dump_rows(restored) == _dump_rows(src)
        assert table_counts(restored) == table_counts(src)


def test_weekly_dump_only_when_asked(tmp_path: Path) -> None:
    """Without weekly=True no SQL dump is written."""
    db = make_db(tmp_path / "metrics.db")
    report = backup(db, tmp_path / "raw", tmp_path / "bk", today=TODAY)
    assert report.weekly_path is None
    assert not (tmp_path / "bk" / "weekly").exists()


def test_raw_mirror_copies_sealed_segments_once(tmp_path: Path) -> None:
    """Sealed segments, FORMAT and MANIFEST are mirrored; open ones never; copies only once."""
    db = make_db(tmp_path / "metrics.db")
    raw = tmp_path / "raw"
    sealed = make_raw(raw)
    first = backup(db, raw, tmp_path / "bk", today=TODAY)
    mirror = tmp_path / "bk" / "raw"
    assert len(first.raw_copied) == 4
    for seg in sealed:
        assert (mirror / seg.relative_to(raw)).read_bytes() == seg.read_bytes()
    assert not list(mirror.rglob("*.open"))
    assert (mirror / "FORMAT").read_bytes() == (raw / "FORMAT").read_bytes()
    second = backup(db, raw, tmp_path / "bk", today=TODAY)
    assert second.raw_copied == ()


def test_raw_mirror_refuses_segment_not_matching_manifest(tmp_path: Path) -> None:
    """A segment whose bytes differ from its manifest sha256 is not mirrored."""
    db = make_db(tmp_path / "metrics.db")
    raw = tmp_path / "raw"
    sealed = make_raw(raw)
    sealed[0].chmod(stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(sealed[0].read_bytes())
    data[-5] ^= 1  # same size: only the hash tells
    sealed[0].write_bytes(bytes(data))
    with pytest.raises(BackupVerifyError, match="sha256"):
        backup(db, raw, tmp_path / "bk", today=TODAY)
    assert not (tmp_path / "bk" / "raw" / sealed[0].relative_to(raw)).exists()


def test_raw_mirror_refuses_an_emptied_manifest(tmp_path: Path) -> None:
    """An archive whose manifest was emptied is not mirrored: the mirror keeps its good copy."""
    db = make_db(tmp_path / "metrics.db")
    raw = tmp_path / "raw"
    make_raw(raw)
    backup(db, raw, tmp_path / "bk", today=TODAY)
    good = (tmp_path / "bk" / "raw" / "MANIFEST.ndjson").read_bytes()
    (raw / "MANIFEST.ndjson").write_bytes(b"")
    with pytest.raises(ExportError, match="not in the manifest"):
        backup(db, raw, tmp_path / "bk", today=TODAY)
    assert (tmp_path / "bk" / "raw" / "MANIFEST.ndjson").read_bytes() == good


def test_raw_mirror_refuses_a_rewritten_manifest(tmp_path: Path) -> None:
    """A live manifest that does not extend the mirrored one (rewritten history) is refused."""
    db = make_db(tmp_path / "metrics.db")
    raw = tmp_path / "raw"
    make_raw(raw)
    backup(db, raw, tmp_path / "bk", today=TODAY)
    mirrored = tmp_path / "bk" / "raw" / "MANIFEST.ndjson"
    first_line = mirrored.read_bytes().splitlines(keepends=True)[0]
    mirrored.write_bytes(mirrored.read_bytes() + first_line)  # the live one lacks this line
    good = mirrored.read_bytes()
    with pytest.raises(BackupVerifyError, match="append-only"):
        backup(db, raw, tmp_path / "bk", today=TODAY)
    assert mirrored.read_bytes() == good


def test_retention_prunes_old_backups(tmp_path: Path) -> None:
    """Daily copies daily_keep_days old and weekly dumps weekly_keep_weeks old are removed."""
    db = make_db(tmp_path / "metrics.db")
    bk = tmp_path / "bk"
    for days_ago in (0, 2, 3, 10):
        backup(db, tmp_path / "raw", bk, weekly=True, today=TODAY - timedelta(days=days_ago))
    report = backup(
        db, tmp_path / "raw", bk, weekly=True, today=TODAY, daily_keep_days=3, weekly_keep_weeks=1
    )
    assert sorted(p.name for p in (bk / "daily").iterdir()) == [
        "metrics-2026-11-27.db",
        "metrics-2026-11-29.db",
    ]
    assert sorted(p.name for p in (bk / "weekly").iterdir()) == [
        "metrics-2026-11-26.sql.gz",
        "metrics-2026-11-27.sql.gz",
        "metrics-2026-11-29.sql.gz",
    ]
    assert len(report.pruned) == 3


def test_cleanup_removes_old_export_copies_only(tmp_path: Path) -> None:
    """Clean-up removes dated export copies past their age, and nothing else."""
    export_dir = tmp_path / "export"
    for day in ("2026-08-31", "2026-09-01", "not-a-date"):
        (export_dir / "history" / day).mkdir(parents=True)
    (export_dir / "copilot_seats.csv.gz").write_bytes(b"keep")
    report = cleanup(export_dir, 90, TODAY)
    assert report.exports == (export_dir / "history" / "2026-08-31",)  # 90 days old
    assert (export_dir / "history" / "2026-09-01").exists()
    assert (export_dir / "copilot_seats.csv.gz").exists()
    assert (export_dir / "history" / "not-a-date").exists()


def test_failed_backup_copy_does_not_blame_metrics_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup that cannot be written (a full disk) says so, and does not advise rebuilding
    metrics.db."""
    db = make_db(tmp_path / "metrics.db")
    real = sqlite3.connect

    def full_disk(target: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if ".ghmc-tmp-" in str(target):
            raise sqlite3.OperationalError("database or disk is full")
        return real(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", full_disk)
    with pytest.raises(ExportError) as failed:
        backup(db, tmp_path / "raw", tmp_path / "bk", today=TODAY)
    assert "metrics.db is unchanged" in str(failed.value)
    assert "ghmc project" not in str(failed.value)


def test_torn_manifest_tail_is_not_mirrored(tmp_path: Path) -> None:
    """A torn last manifest line (a crash while sealing) stays out of the mirror, so the backup
    after the next run's recovery still extends it."""
    db = make_db(tmp_path / "metrics.db")
    raw = tmp_path / "raw"
    make_raw(raw)
    manifest = raw / "MANIFEST.ndjson"
    whole = manifest.read_bytes()
    manifest.write_bytes(whole + b'{"n": 2, "pa')
    backup(db, raw, tmp_path / "bk", today=TODAY)
    assert (tmp_path / "bk" / "raw" / "MANIFEST.ndjson").read_bytes() == whole
    archive.repair_archive(raw)
    assert manifest.read_bytes() == whole
    backup(db, raw, tmp_path / "bk", today=TODAY)
