"""Retention pruning: removing whole sealed segments older than the retention period.

This is the one exception to append-only (design §3, property 1), and it leaves the hash chain
whole: the manifest is never edited, so every pruned segment keeps its entry (path, sha256, seq
range, counts) and `head_hash` does not change. What was pruned is recorded in a second
append-only, hash-chained file, raw/PRUNED.ndjson, one canonical line per removed segment:

    {"n": 0, "entry": 3, "path": "kind=.../000000000001-000000000040.ndjson.zst",
     "sha256": "<the segment's>", "entry_hash": "<its manifest entry's hash>", "events": 40,
     "fetched_to": "...Z", "older_than": "2026-01-01", "pruned_at": "...Z",
     "prev": "<previous record's hash or GENESIS>", "hash": "<sha256 of the fields above>"}

`verify` accepts a listed segment as absent only when a valid record names exactly its entry
(same number, path, sha256 and entry hash) and the entry's newest event is older than the
record's cutoff; any other missing segment is still damage, and an edited, reordered or dropped
record breaks the record chain (a dropped last record leaves its segment missing).

A record is written and fsynced before its file is removed: a crash in between leaves a recorded
segment still present, which readers already skip and the next `prune_segments` removes.
The caller holds the RunLock (no writer may run meanwhile).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from archive.chain import chain_hash, parse_chained
from archive.durable import fsync_dir
from archive.envelope import format_fetched_at
from archive.errors import ArchiveDamaged, storage_error
from archive.layout import PRUNED_NAME, check_format
from archive.manifest import (
    _O_BINARY,
    GENESIS,
    ManifestEntry,
    _append_or_undo,
    load_manifest,
    split_manifest,
)
from archive.recover import RecoveryReport, repair_tail

log = logging.getLogger("ghmc.archive")


@dataclass(frozen=True, slots=True)
class PrunedRecord:
    """One PRUNED.ndjson line: a sealed segment removed by retention, tied to its manifest entry."""

    n: int
    entry: int
    path: str
    sha256: str
    entry_hash: str
    events: int
    fetched_to: str
    older_than: str
    pruned_at: str
    prev: str
    hash: str

    def to_line(self) -> bytes:
        """Return the canonical line, newline included."""
        return orjson.dumps(asdict(self), option=orjson.OPT_APPEND_NEWLINE)

    def matches(self, entry: ManifestEntry) -> bool:
        """Tell whether this record names exactly `entry`."""
        return (
            self.entry == entry.n
            and self.path == entry.path
            and self.sha256 == entry.sha256
            and self.entry_hash == entry.hash
            and self.events == entry.events
            and self.fetched_to == entry.fetched_to
        )


_TAG = b"ghmc-pruned-record:1\n"


def record_hash(body: dict[str, Any]) -> str:
    """Return the chain hash of a record's fields (everything but `hash`)."""
    return chain_hash(_TAG, body)


def parse_record(line: bytes, n: int, prev: str) -> PrunedRecord:
    """Parse and check record line `n` (0-based); raise ValueError saying what is wrong."""
    return parse_chained(PrunedRecord, _TAG, "pruned record", line, n=n, prev=prev)


def check_records(
    lines: list[bytes], entries: list[ManifestEntry]
) -> tuple[list[PrunedRecord], str | None]:
    """Check record lines against the manifest; return the good records and the first problem."""
    records: list[PrunedRecord] = []
    seen: set[int] = set()
    prev = GENESIS
    for n, line in enumerate(lines):
        where = f"{PRUNED_NAME} line {n + 1}"
        try:
            record = parse_record(line, n=n, prev=prev)
        except ValueError as exc:
            return records, f"{where}: {exc}"
        if not (0 <= record.entry < len(entries)) or not record.matches(entries[record.entry]):
            return records, f"{where}: names no such manifest entry ({record.path})"
        if record.entry in seen:
            return records, f"{where}: {record.path} is recorded as pruned twice"
        if not record.fetched_to < record.older_than:
            return records, f"{where}: {record.path} is not older than its cutoff"
        seen.add(record.entry)
        records.append(record)
        prev = record.hash
    return records, None


def load_pruned(raw_dir: Path, entries: list[ManifestEntry] | None = None) -> list[PrunedRecord]:
    """Return the pruned records (a torn last line is ignored: not committed); ArchiveDamaged."""
    path = raw_dir / PRUNED_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    lines, _ = split_manifest(data)
    if entries is None:
        entries = load_manifest(raw_dir)
    records, problem = check_records(lines, entries)
    if problem is not None:
        raise ArchiveDamaged(f"{problem}; run `ghmc verify`")
    return records


def live_entries(raw_dir: Path) -> list[ManifestEntry]:
    """Return the manifest entries whose segments have not been pruned."""
    entries = load_manifest(raw_dir)
    if not (raw_dir / PRUNED_NAME).exists():
        return entries
    gone = {r.entry for r in load_pruned(raw_dir, entries)}
    return [e for e in entries if e.n not in gone]


@dataclass
class PruneReport:
    """What `prune_segments` removed (paths relative to raw_dir)."""

    older_than: str
    pruned: list[str] = field(default_factory=list)
    events: int = 0
    bytes_freed: int = 0
    body_bytes: int = 0
    finished: list[str] = field(default_factory=list)
    """Segments recorded as pruned by an interrupted earlier call and removed now."""


def _cutoff(older_than: date) -> str:
    """Return the cutoff as text comparable with `fetched_at` strings."""
    if isinstance(older_than, datetime):
        return format_fetched_at(older_than)
    return older_than.isoformat()


def prune_segments(raw_dir: Path | str, older_than: date) -> PruneReport:
    """Remove every sealed segment whose newest event was fetched before `older_than`.

    The manifest keeps their entries (the chain and head hash are unchanged); each removal is
    first recorded in raw/PRUNED.ndjson. Open segments are never touched. A listed segment that
    is already missing or whose bytes differ from its entry is damage: ArchiveDamaged, nothing is
    removed (pruning never hides a loss). The caller holds the RunLock.
    """
    raw = Path(raw_dir)
    cutoff = _cutoff(older_than)
    report = PruneReport(older_than=cutoff)
    if not check_format(raw):
        return report
    repair_tail(raw, PRUNED_NAME, RecoveryReport(entries=[]))
    entries = load_manifest(raw, allow_torn_tail=False)
    records = load_pruned(raw, entries)
    done = {r.entry for r in records}
    for record in records:
        if (raw / record.path).exists():
            _remove(raw / record.path)
            report.finished.append(record.path)
    due = [e for e in entries if e.fetched_to < cutoff and e.n not in done]
    for entry in due:
        _check_intact(raw, entry)
    appender = _RecordAppender(raw, records)
    for entry in due:
        appender.append(entry, cutoff)
        _remove(raw / entry.path)
        report.pruned.append(entry.path)
        report.events += entry.events
        report.bytes_freed += entry.size
        report.body_bytes += entry.body_bytes
    if report.pruned:
        log.info(
            "pruned %d segments (%d events, %d bytes) older than %s",
            len(report.pruned),
            report.events,
            report.bytes_freed,
            cutoff,
        )
    return report


def _check_intact(raw: Path, entry: ManifestEntry) -> None:
    """Refuse to prune a segment that is missing or changed (that is damage to report)."""
    path = raw / entry.path
    sha = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                sha.update(chunk)
    except FileNotFoundError:
        raise ArchiveDamaged(
            f"{entry.path}: listed in the manifest but missing; nothing pruned: run `ghmc verify`"
        ) from None
    except OSError as exc:
        raise storage_error("read", path, exc) from exc
    if sha.hexdigest() != entry.sha256:
        raise ArchiveDamaged(
            f"{entry.path}: sha256 differs from the manifest; nothing pruned: run `ghmc verify`"
        )


def _remove(path: Path) -> None:
    """Delete a sealed (read-only) segment durably, and its folder when it becomes empty."""
    try:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        path.unlink()
        fsync_dir(path.parent)
    except OSError as exc:
        raise storage_error("remove pruned segment", path, exc) from exc
    for folder in (path.parent, path.parent.parent):
        try:
            folder.rmdir()
        except OSError:
            break


class _RecordAppender:
    """Appends records to PRUNED.ndjson, keeping the chain head in memory."""

    def __init__(self, raw_dir: Path, records: list[PrunedRecord]) -> None:
        self.path = raw_dir / PRUNED_NAME
        self.count = len(records)
        self.head = records[-1].hash if records else GENESIS

    def append(self, entry: ManifestEntry, cutoff: str) -> PrunedRecord:
        body: dict[str, Any] = {
            "n": self.count,
            "entry": entry.n,
            "path": entry.path,
            "sha256": entry.sha256,
            "entry_hash": entry.hash,
            "events": entry.events,
            "fetched_to": entry.fetched_to,
            "older_than": cutoff,
            "pruned_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "prev": self.head,
        }
        record = PrunedRecord(**body, hash=record_hash(body))
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _O_BINARY, 0o644)
            try:
                _append_or_undo(fd, record.to_line())
            finally:
                os.close(fd)
            if self.count == 0:
                fsync_dir(self.path.parent)
        except OSError as exc:
            raise storage_error("append to", self.path, exc) from exc
        self.count += 1
        self.head = record.hash
        return record
