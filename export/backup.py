"""Backups: daily SQLite online backup, weekly gzipped SQL dump, mirror of the sealed archive.

    backup_dir/daily/metrics-YYYY-MM-DD.db        SQLite online backup API, journal_mode DELETE
    backup_dir/weekly/metrics-YYYY-MM-DD.sql.gz   `iterdump` text, gzip with mtime 0
    backup_dir/raw/...                            FORMAT, MANIFEST.ndjson and every live sealed
                                                  segment the manifest lists (same relative
                                                  paths), read through `archive.segment_listing`

Each file is written under a temporary name, verified, and only then renamed into place: the
daily copy must pass `PRAGMA integrity_check` and have the same row count in every table as the
source; the dump must restore into an in-memory database with the same counts; a raw copy must
have the sha256 of its source (and of its manifest entry). Sealed segments never change, so a
segment already in the mirror with the same size is not copied again; open `.ndjson.zst.open`
segments are never copied. Nothing is ever deleted from the raw mirror.
"""

from __future__ import annotations

import gzip
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import archive
from archive.durable import (
    copy_to_temp,
    fsync_dir,
    fsync_file,
    open_temp,
    publish,
    remove_temps,
    sha256_file,
    temp_path,
)
from export.cleanup import parse_day
from export.errors import BackupVerifyError, ExportError, database_error, storage_error
from export.schema import connect_readonly, quote_ident

DAILY_DIR = "daily"
WEEKLY_DIR = "weekly"
RAW_DIR = "raw"


@dataclass(frozen=True, slots=True)
class BackupReport:
    """What a backup wrote, copied and pruned."""

    daily_path: Path
    weekly_path: Path | None
    table_rows: dict[str, int]
    raw_copied: tuple[Path, ...]
    raw_present: int
    pruned: tuple[Path, ...]


def backup(
    db_path: Path,
    raw_dir: Path,
    backup_dir: Path,
    weekly: bool = False,
    today: date | None = None,
    *,
    daily_keep_days: int = 14,
    weekly_keep_weeks: int = 8,
) -> BackupReport:
    """Back up metrics.db (daily; plus a SQL dump when `weekly`) and mirror the sealed archive.

    Backups older than `daily_keep_days` days / `weekly_keep_weeks` weeks are removed afterwards.
    Raises ExportError; a backup that fails verification is discarded (BackupVerifyError).
    """
    db_path, raw_dir, backup_dir = Path(db_path), Path(raw_dir), Path(backup_dir)
    today = today or datetime.now(UTC).date()  # the UTC day, as `daily` (design §5: UTC days)
    if not db_path.is_file():
        raise ExportError(f"{db_path} does not exist: run `ghmc project` first, then back up.")
    stamp = today.isoformat()
    daily = backup_dir / DAILY_DIR / f"metrics-{stamp}.db"
    weekly_path = backup_dir / WEEKLY_DIR / f"metrics-{stamp}.sql.gz" if weekly else None
    counts = backup_database(db_path, daily)
    if weekly_path is not None:
        dump_database(db_path, weekly_path)
    copied, present = mirror_archive(raw_dir, backup_dir / RAW_DIR)
    pruned = prune_backups(backup_dir, today, daily_keep_days, weekly_keep_weeks)
    return BackupReport(daily, weekly_path, counts, tuple(copied), present, tuple(pruned))


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Return the row count of every table (internal ones included), by name."""
    names = [
        str(r[0])
        for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    ]
    return {
        n: int(conn.execute(f"SELECT count(*) FROM {quote_ident(n)}").fetchone()[0]) for n in names
    }


def _prepare_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_temps(folder)
    except OSError as exc:
        raise storage_error("prepare", folder, exc) from exc


def backup_database(db_path: Path, dest: Path) -> dict[str, int]:
    """Copy metrics.db to `dest` with the online backup API; verify; return the row counts."""
    _prepare_dir(dest.parent)
    tmp = temp_path(dest)
    try:
        src = connect_readonly(db_path)
        try:
            src.execute("BEGIN")  # one read snapshot for the copy and the counts
            expected = table_counts(src)
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
                check = [str(r[0]) for r in dst.execute("PRAGMA integrity_check")]
                found = table_counts(dst)
            finally:
                dst.close()
        finally:
            src.close()
        if check != ["ok"] or found != expected:
            tmp.unlink(missing_ok=True)
            raise BackupVerifyError(
                f"the backup of {db_path} did not verify (integrity_check: {check[:3]}, row "
                f"counts equal: {found == expected}); it was discarded and {dest} not replaced. "
                "Run `ghmc backup` again; if it repeats, check the disk."
            )
        fsync_file(tmp)
        publish(dest)
        fsync_dir(dest.parent)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise _sqlite_failure(db_path, dest, exc) from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise storage_error("write the backup", dest, exc) from exc
    return expected


def dump_database(db_path: Path, dest: Path) -> None:
    """Write metrics.db as a gzipped SQL dump; verify it restores to the same row counts."""
    _prepare_dir(dest.parent)
    try:
        src = connect_readonly(db_path)
        try:
            src.execute("BEGIN")
            expected = table_counts(src)
            with open_temp(dest) as fh, gzip.GzipFile("", "wb", 6, fh, mtime=0) as gz:
                for line in src.iterdump():
                    gz.write(line.encode("utf-8") + b"\n")
        finally:
            src.close()
        restored = sqlite3.connect(":memory:")
        try:
            with gzip.open(temp_path(dest), "rb") as packed:
                restored.executescript(packed.read().decode("utf-8"))
            found = table_counts(restored)
        finally:
            restored.close()
        if found != expected:
            temp_path(dest).unlink(missing_ok=True)
            raise BackupVerifyError(
                f"the SQL dump of {db_path} restored different row counts; it was discarded "
                f"and {dest} not replaced. Run `ghmc backup --weekly` again."
            )
        publish(dest)
        fsync_dir(dest.parent)
    except sqlite3.Error as exc:
        temp_path(dest).unlink(missing_ok=True)
        raise _sqlite_failure(db_path, dest, exc) from exc
    except OSError as exc:
        temp_path(dest).unlink(missing_ok=True)
        raise storage_error("write the SQL dump", dest, exc) from exc


def _copy_verified(src: Path, dest: Path, expected: str | None) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    copied = copy_to_temp(src, dest)
    reread = sha256_file(temp_path(dest))
    if reread != copied or (expected is not None and copied != expected):
        temp_path(dest).unlink(missing_ok=True)
        raise BackupVerifyError(
            f"the copy of {src} to {dest} does not match its sha256 (manifest says {expected}); "
            "it was discarded. Run `ghmc verify` on the archive, then `ghmc backup` again."
        )
    publish(dest)
    fsync_dir(dest.parent)


def mirror_archive(raw_dir: Path, mirror: Path) -> tuple[list[Path], int]:
    """Copy new sealed segments, then FORMAT and the manifest; return (copied, live segments).

    The archive is read through `archive.segment_listing` (its manifest checked against the
    disk): a damaged archive is not mirrored, so the mirror keeps the last good copy to restore
    from. The mirror's manifest is only ever extended: the live one must begin with its bytes.
    """
    try:
        listing = archive.segment_listing(raw_dir)
    except archive.ArchiveError as exc:
        msg = f"archive not mirrored (the mirror keeps its last good copy): {exc}"
        raise ExportError(msg) from exc
    copied: list[Path] = []
    try:
        own_files = _listing_files(raw_dir, mirror)  # refuses a rewritten manifest up front
        for path, entry in listing.segments:
            dest = mirror / entry.path
            if dest.is_file() and dest.stat().st_size == entry.size:
                continue
            _copy_verified(path, dest, entry.sha256)
            copied.append(dest)
        for name, data in own_files:  # after the segments: the mirror never runs ahead
            dest = mirror / name
            if not dest.is_file() or dest.read_bytes() != data:
                _write_verified(dest, data)
                copied.append(dest)
    except OSError as exc:
        raise storage_error("mirror the archive into", mirror, exc) from exc
    return copied, len(listing.segments)


def _complete_lines(data: bytes) -> bytes:
    """The committed part of an append-only file: up to its last newline (a torn tail is a crash
    while appending, which recovery cuts off; it is never mirrored)."""
    return data[: data.rfind(b"\n") + 1]


def _listing_files(raw_dir: Path, mirror: Path) -> list[tuple[str, bytes]]:
    """FORMAT and the manifest's complete lines, as the mirror should hold them. The manifest is
    append-only: a live one that does not extend the mirrored one is refused."""
    found: list[tuple[str, bytes]] = []
    for name in archive.LISTING_FILES:
        try:
            data = (raw_dir / name).read_bytes()
        except FileNotFoundError:
            continue
        if name == archive.MANIFEST_NAME:
            data = _complete_lines(data)
            try:
                old = _complete_lines((mirror / name).read_bytes())
            except FileNotFoundError:
                old = b""
            if not data.startswith(old):
                raise BackupVerifyError(
                    f"{raw_dir / name} does not begin with the mirrored {mirror / name}: the "
                    "manifest was rewritten (it is append-only). The mirror was not changed; run "
                    "`ghmc verify` and compare the two before anything else."
                )
        found.append((name, data))
    return found


def _write_verified(dest: Path, data: bytes) -> None:
    """Write `data` to `dest` through a temporary file that is read back and checked."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open_temp(dest) as fh:
        fh.write(data)
    if temp_path(dest).read_bytes() != data:
        temp_path(dest).unlink(missing_ok=True)
        raise BackupVerifyError(f"the copy of {dest.name} to {dest} did not read back; discarded")
    publish(dest)
    fsync_dir(dest.parent)


def prune_backups(
    backup_dir: Path, today: date, daily_keep_days: int, weekly_keep_weeks: int
) -> list[Path]:
    """Remove daily backups `daily_keep_days` days old or older and weekly dumps as old in weeks."""
    removed: list[Path] = []
    rules = ((DAILY_DIR, ".db", daily_keep_days), (WEEKLY_DIR, ".sql.gz", weekly_keep_weeks * 7))
    try:
        for sub, suffix, keep in rules:
            folder = backup_dir / sub
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob(f"metrics-*{suffix}")):
                day = parse_day(path.name[len("metrics-") : -len(suffix)])
                if day is not None and (today - day).days >= max(keep, 1):
                    path.unlink()
                    removed.append(path)
    except OSError as exc:
        raise storage_error("prune old backups in", backup_dir, exc) from exc
    return removed


def _sqlite_failure(db_path: Path, dest: Path, exc: sqlite3.Error) -> ExportError:
    """Wrap a sqlite3 error of a backup by what is actually wrong: when metrics.db still reads
    cleanly the backup's side failed (a full disk or an unwritable folder), and `ghmc project`
    would not help; otherwise metrics.db itself is the problem."""
    try:
        conn = connect_readonly(db_path)
        try:
            ok = [str(r[0]) for r in conn.execute("PRAGMA quick_check")] == ["ok"]
        finally:
            conn.close()
    except sqlite3.Error:
        ok = False
    if not ok:
        return database_error(db_path, exc)
    return ExportError(
        f"could not write the backup {dest}: {exc}. {db_path} is fine: metrics.db is unchanged "
        "and the previous backup was not replaced; free disk space or check the backup folder, "
        "then run `ghmc backup` again."
    )
