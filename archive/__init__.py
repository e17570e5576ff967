"""The event archive: every API response stored immutably as a compressed, hash-chained event.

Public API (see docs/internals.md):

    ArchiveWriter.open(raw_dir) -> ArchiveWriter     append(...), flush(), close()
    read_events(raw_dir, kinds=..., ...) -> Iterator[Event]      (read_dicts: the dict fast path)
    find_event(raw_dir, event_id) -> Event | None
    verify_archive(raw_dir) -> VerifyReport
    head_hash(raw_dir) -> str
    checked_head(raw_dir, built_from=()) -> str      manifest vs disk, every sha256, lineage
    segment_listing(raw_dir) -> Listing              the checked manifest and the live segments
    prune_segments(raw_dir, older_than: date) -> PruneReport     retention (whole sealed segments)
    archive_stats(raw_dir) -> ArchiveStats
    RunLock(data_dir)                                  context manager; LockHeld when taken
    duck.connect(raw_dir) -> duckdb connection with the view `events`
"""

from __future__ import annotations

from archive.envelope import ENVELOPE_VERSION, Event, body_digest, decode_body, encode_body
from archive.errors import ArchiveDamaged, ArchiveError, ArchiveFormatError, LockHeld
from archive.kinds import KINDS, is_known
from archive.layout import FORMAT_NAME, FORMAT_VERSION, MANIFEST_NAME
from archive.listing import Listing, checked_head, segment_listing
from archive.lock import RunLock
from archive.manifest import GENESIS, head_hash
from archive.prune import PruneReport, prune_segments
from archive.reader import find_event, read_dicts, read_events
from archive.recover import RecoveryReport
from archive.stats import ArchiveStats, KindStats, archive_stats
from archive.verify import VerifyReport, verify_archive
from archive.writer import ArchiveWriter, repair_archive

LISTING_FILES = (FORMAT_NAME, MANIFEST_NAME)
"""The archive's own files beside its segments (a mirror copies them after the segments)."""

__all__ = [
    "ENVELOPE_VERSION",
    "FORMAT_VERSION",
    "GENESIS",
    "KINDS",
    "LISTING_FILES",
    "MANIFEST_NAME",
    "ArchiveDamaged",
    "ArchiveError",
    "ArchiveFormatError",
    "ArchiveStats",
    "ArchiveWriter",
    "Event",
    "KindStats",
    "Listing",
    "LockHeld",
    "PruneReport",
    "RecoveryReport",
    "RunLock",
    "VerifyReport",
    "archive_stats",
    "body_digest",
    "checked_head",
    "decode_body",
    "encode_body",
    "find_event",
    "head_hash",
    "is_known",
    "prune_segments",
    "read_dicts",
    "read_events",
    "repair_archive",
    "segment_listing",
    "verify_archive",
]
