"""Archive statistics for `ghmc status`: sizes, counts and the head hash, from the manifest.

Sealed segments are counted from their manifest entries (no decompression); open segments, which
are small and few, are scanned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import orjson

from archive.layout import check_format, kind_of, open_path_of, open_segments
from archive.manifest import GENESIS, load_manifest
from archive.prune import live_entries
from archive.segment import scan_open


@dataclass
class KindStats:
    """Counts for one kind."""

    segments: int = 0
    events: int = 0
    bytes_raw: int = 0
    bytes_stored: int = 0


@dataclass
class ArchiveStats:
    """What the archive holds; `bytes_raw` sums body sizes, `bytes_stored` segment file sizes."""

    segments: int = 0
    open_segments: int = 0
    events: int = 0
    bytes_raw: int = 0
    bytes_stored: int = 0
    head_hash: str = GENESIS
    last_fetched_at: str | None = None
    per_kind: dict[str, KindStats] = field(default_factory=dict)
    pruned_segments: int = 0
    """Sealed segments removed by retention (still in the manifest's chain, not counted above)."""

    @property
    def ratio(self) -> float | None:
        """bytes_raw ÷ bytes_stored (None for an empty archive)."""
        return self.bytes_raw / self.bytes_stored if self.bytes_stored else None

    def _add(self, kind: str, events: int, raw: int, stored: int, last: str | None) -> None:
        ks = self.per_kind.setdefault(kind, KindStats())
        ks.segments += 1
        ks.events += events
        ks.bytes_raw += raw
        ks.bytes_stored += stored
        self.events += events
        self.bytes_raw += raw
        self.bytes_stored += stored
        if last and (self.last_fetched_at is None or last > self.last_fetched_at):
            self.last_fetched_at = last


def archive_stats(raw_dir: Path | str) -> ArchiveStats:
    """Return segment, event and byte counts, the head hash and per-kind counts."""
    raw = Path(raw_dir)
    stats = ArchiveStats()
    if not check_format(raw):
        return stats
    entries = load_manifest(raw)
    live = live_entries(raw)
    for e in live:
        stats._add(e.kind, e.events, e.body_bytes, e.size, e.fetched_to)
    stats.segments = len(live)
    stats.pruned_segments = len(entries) - len(live)
    stats.head_hash = entries[-1].hash if entries else GENESIS
    listed = {open_path_of(raw / e.path) for e in entries}
    for path in open_segments(raw):
        if path in listed:
            continue
        data, lines, _ = scan_open(path)
        envs = [orjson.loads(line) for line in lines]
        last = max((str(env["fetched_at"]) for env in envs), default=None)
        raw_bytes = sum(int(env.get("body_size") or 0) for env in envs)
        stats._add(kind_of(path, raw), len(envs), raw_bytes, len(data), last)
        stats.open_segments += 1
    return stats
