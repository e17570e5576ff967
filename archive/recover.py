"""Crash recovery, run by `ArchiveWriter.open` before anything is appended.

A writer killed at any moment leaves some of:
- open segments whose last frame is torn: every complete frame is kept, the torn tail is moved
  to raw/quarantine/ (never deleted) with a warning, and the segment is sealed;
- a manifest whose last line is torn (killed while sealing): the partial line is quarantined and
  its segment, still open, is sealed again from scratch;
- a manifest entry whose segment was not yet renamed: the rename is finished.

Seqs are never given twice, not even the seq of an event whose write was torn: a quarantined
tail's file name records the highest seq it may hold (`.seq-<n>.torn`: one past the highest
complete event anywhere, since one append is in flight at a time, or the seq readable in the
tail if higher), and the next seq is one past the highest of the stored events and those names.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
import zstandard

from archive.durable import fsync_dir, write_durably
from archive.errors import ArchiveDamaged, storage_error
from archive.layout import (
    MANIFEST_NAME,
    PRUNED_NAME,
    QUARANTINE_NAME,
    kind_of,
    open_path_of,
    open_segments,
    rel,
    sealed_name,
)
from archive.manifest import (
    ManifestAppender,
    ManifestEntry,
    SegmentSummary,
    load_manifest,
    split_manifest,
)
from archive.segment import finish_seal, scan_open, seal_file

log = logging.getLogger("ghmc.archive")

_SEQ_RE = re.compile(rb'"seq":(\d+)')
_RESERVED_RE = re.compile(r"\.seq-(\d+)\.torn$")


@dataclass
class RecoveryReport:
    """What recovery found and did; `actions` is empty when the last run ended cleanly."""

    entries: list[ManifestEntry]
    next_seq: int = 1
    actions: list[str] = field(default_factory=list)
    quarantined: list[Path] = field(default_factory=list)

    def note(self, message: str) -> None:
        """Record an action and log it as a warning."""
        self.actions.append(message)
        log.warning("%s", message)


def recover(raw_dir: Path) -> RecoveryReport:
    """Bring the archive to a clean state (no open segment, no torn manifest line)."""
    report = RecoveryReport(entries=[])
    _repair_manifest_tail(raw_dir, report)
    repair_tail(raw_dir, PRUNED_NAME, report)
    report.entries = load_manifest(raw_dir, allow_torn_tail=False)
    appender = ManifestAppender(raw_dir, report.entries)
    listed = {open_path_of(raw_dir / e.path): e for e in report.entries}
    unlisted = [p for p in open_segments(raw_dir) if p not in listed]
    stored = max([e.last_seq for e in report.entries] + [_last_seq(p) for p in unlisted], default=0)
    for path in open_segments(raw_dir):
        if path in listed:
            _finish_interrupted_seal(raw_dir, path, listed[path], report)
        else:
            _recover_open(raw_dir, path, appender, report, stored + 1)
    report.entries = load_manifest(raw_dir, allow_torn_tail=False)
    report.next_seq = max(stored, _reserved(raw_dir)) + 1
    return report


def _last_seq(path: Path) -> int:
    """Return the seq of the last complete event of an open segment (0 if none)."""
    events = _parse_events(scan_open(path)[1])
    return int(str(events[-1]["seq"])) if events else 0


def _reserved(raw_dir: Path) -> int:
    """Return the highest seq named by a quarantined torn tail (0 if none)."""
    folder = raw_dir / QUARANTINE_NAME
    if not folder.is_dir():
        return 0
    found = (_RESERVED_RE.search(p.name) for p in folder.iterdir())
    return max((int(m.group(1)) for m in found if m), default=0)


def _quarantine(
    raw_dir: Path, source: Path, data: bytes, report: RecoveryReport, reserved: int = 0
) -> Path:
    """Keep `data` cut from `source` in raw/quarantine/ and return where it went."""
    folder = raw_dir / QUARANTINE_NAME
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    seq = f".seq-{reserved}" if reserved else ""
    target = folder / f"{rel(source, raw_dir).replace('/', '__')}.{stamp}{seq}.torn"
    try:
        folder.mkdir(exist_ok=True)
        write_durably(target, data)
        fsync_dir(folder)
    except OSError as exc:
        raise storage_error("quarantine a torn tail to", target, exc) from exc
    report.quarantined.append(target)
    return target


def _truncate(path: Path, size: int) -> None:
    """Cut `path` to `size` bytes durably."""
    try:
        with path.open("r+b") as fh:
            fh.truncate(size)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise storage_error("truncate", path, exc) from exc


def _repair_manifest_tail(raw_dir: Path, report: RecoveryReport) -> None:
    """Quarantine a torn last manifest line (a crash while sealing)."""
    repair_tail(raw_dir, MANIFEST_NAME, report)


def repair_tail(raw_dir: Path, name: str, report: RecoveryReport) -> None:
    """Quarantine a torn last line of an append-only NDJSON file (a crash while appending)."""
    path = raw_dir / name
    if not path.exists():
        return
    data = path.read_bytes()
    _, tail = split_manifest(data)
    if not tail:
        return
    target = _quarantine(raw_dir, path, tail, report)
    _truncate(path, len(data) - len(tail))
    what = "manifest" if name == MANIFEST_NAME else name
    report.note(f"{what} ended in a torn line ({len(tail)} bytes): moved to {target}")


def _finish_interrupted_seal(
    raw_dir: Path, path: Path, entry: ManifestEntry, report: RecoveryReport
) -> None:
    """Rename a segment whose manifest line was written just before a crash."""
    data = path.read_bytes()
    if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
        raise ArchiveDamaged(
            f"{path}: listed in the manifest as {entry.path} but its content differs; "
            "run `ghmc verify`"
        )
    finish_seal(path, raw_dir / entry.path)
    report.note(f"finished sealing {entry.path} (interrupted rename)")


def _parse_events(lines: list[bytes]) -> list[dict[str, object]]:
    """Parse envelope lines, stopping at the first that is not a plausible envelope."""
    events: list[dict[str, object]] = []
    last = 0
    for line in lines:
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            break
        seq = data.get("seq") if isinstance(data, dict) else None
        if not isinstance(seq, int) or seq <= last:
            break
        events.append(data)
        last = seq
    return events


def _seq_hint(tail: bytes) -> int:
    """Return the seq named in a torn tail's decompressible prefix, or 0."""
    try:
        text = zstandard.ZstdDecompressor().decompressobj().decompress(tail)
    except zstandard.ZstdError:
        return 0
    match = _SEQ_RE.search(text[:200])
    return int(match.group(1)) if match else 0


def _recover_open(
    raw_dir: Path, path: Path, appender: ManifestAppender, report: RecoveryReport, in_flight: int
) -> None:
    """Keep an open segment's complete events, quarantine its tail (reserving seqs), seal it."""
    data, lines, ends = scan_open(path)
    events = _parse_events(lines)
    good = ends[len(events) - 1] if events else 0
    tail = data[good:]
    if tail:
        reserved = max(in_flight, _seq_hint(tail))
        target = _quarantine(raw_dir, path, tail, report, reserved)
        _truncate(path, good)
        report.note(
            f"{rel(path, raw_dir)}: kept {len(events)} complete events, moved a torn tail of "
            f"{len(tail)} bytes to {target}"
        )
    if not events:
        path.unlink()
        return
    summary = _summarize(raw_dir, path, data[:good], events)
    seal_file(raw_dir, path, summary, appender)
    report.note(f"sealed {summary.path} left open by an interrupted run")


def _summarize(
    raw_dir: Path, path: Path, data: bytes, events: list[dict[str, object]]
) -> SegmentSummary:
    """Describe a recovered segment from its bytes and parsed events."""
    seqs = [int(str(e["seq"])) for e in events]
    stamps = [str(e.get("fetched_at")) for e in events]
    sealed = path.with_name(sealed_name(seqs[0], seqs[-1]))
    return SegmentSummary(
        path=rel(sealed, raw_dir),
        kind=kind_of(path, raw_dir),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        events=len(events),
        first_seq=seqs[0],
        last_seq=seqs[-1],
        fetched_from=min(stamps),
        fetched_to=max(stamps),
        body_bytes=sum(int(str(e.get("body_size") or 0)) for e in events),
    )
