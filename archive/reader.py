"""Reading the archive back: events in global seq order, streaming, filtered.

Segments of one kind hold disjoint, increasing seq ranges, so each kind is one sequential stream
(its sealed segments in seq order, then its open one); the streams of the kinds asked for are
heap-merged by seq. Partitions of other kinds are never opened, and sealed segments whose fetch
range (from the manifest) misses the asked range are skipped without decompressing. Only what
verifies is read: the manifest is checked against the disk before reading (`archive.listing`)
and every sealed segment is hashed as it streams (`archive.stream`), so damage raises
ArchiveDamaged instead of yielding changed events. Lines are
decompressed ahead of the JSON parsing in a background thread (see `archive.stream`).

`read_dicts` yields the decoded envelope dicts (the fast path for projections);
`read_events` wraps them into `Event` records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from archive.envelope import Event, format_fetched_at
from archive.errors import ArchiveDamaged
from archive.layout import check_format, kind_of, open_path_of, open_segments
from archive.listing import segment_listing
from archive.manifest import ManifestEntry
from archive.stream import Segment, read_envelopes

Envelope = dict[str, Any]
"""A decoded envelope line, as orjson gives it."""

TimeBound = str | date | datetime | None
"""A fetch-time bound: ISO text (a date or a full timestamp), a date, or an aware datetime."""


def _bound(value: TimeBound) -> str | None:
    """Return a bound as text comparable with `fetched_at` strings."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_fetched_at(value)
    return value.isoformat()


def _sealed_path(raw_dir: Path, entry: ManifestEntry) -> Path:
    """Return where a listed segment is: sealed, or still under its open name mid-seal
    (kept for `archive.duck`; readers here get the paths from `segment_listing`)."""
    path = raw_dir / entry.path
    if path.exists():
        return path
    interrupted = open_path_of(path)
    if interrupted.exists():
        return interrupted
    raise ArchiveDamaged(f"segment {entry.path} is listed in the manifest but missing")


def _envelopes(plan: dict[str, list[Segment]], *, ordered: bool = True) -> Iterator[Envelope]:
    """The planned segments' envelopes in global seq order, or kind after kind (`ordered=False`);
    see `archive.stream`."""
    size = 0
    for files in plan.values():
        for path, _ in files:
            with contextlib.suppress(OSError):  # reported when the file is opened
                size += path.stat().st_size
    return read_envelopes([plan[k] for k in sorted(plan)], size, ordered=ordered)


def _plan(
    raw_dir: Path, kinds: Collection[str] | None, lo: str | None, hi: str | None
) -> dict[str, list[Segment]]:
    """Return, per kind, the segment files to read in seq order (sealed first, then open).

    The manifest is checked against the disk first (`archive.listing`): a missing, emptied or
    edited manifest, a listed segment gone or resized, or an unlisted sealed segment raises
    ArchiveDamaged before anything is read; each sealed segment is then hashed as it streams.
    """
    plan: dict[str, list[Segment]] = {}
    listing = segment_listing(raw_dir)
    for path, entry in listing.segments:
        if kinds is not None and entry.kind not in kinds:
            continue
        if (lo and entry.fetched_to < lo) or (hi and entry.fetched_from >= hi):
            continue
        plan.setdefault(entry.kind, []).append((path, entry))
    listed = {open_path_of(raw_dir / e.path) for e in listing.entries}
    for path in open_segments(raw_dir):
        kind = kind_of(path, raw_dir)
        if path not in listed and (kinds is None or kind in kinds):
            plan.setdefault(kind, []).append((path, None))
    return plan


def read_dicts(
    raw_dir: Path | str,
    kinds: Iterable[str] | None = None,
    *,
    enterprise_id: str | None = None,
    org: str | None = None,
    repo: str | None = None,
    fetched_from: TimeBound = None,
    fetched_to: TimeBound = None,
    ordered: bool = True,
) -> Iterator[Envelope]:
    """Yield matching envelopes as dicts in seq order; fetched_from ≤ fetched_at < fetched_to.

    `ordered=False` gives up the global seq order for speed: kind after kind (sorted by name),
    each kind in seq order — for readers whose result does not depend on delivery order.
    """
    raw = Path(raw_dir)
    if not check_format(raw):
        return
    wanted = None if kinds is None else frozenset([kinds] if isinstance(kinds, str) else kinds)
    lo, hi = _bound(fetched_from), _bound(fetched_to)
    keep = {
        k: v
        for k, v in (("enterprise_id", enterprise_id), ("org", org), ("repo", repo))
        if v is not None
    }
    envelopes = _envelopes(_plan(raw, wanted, lo, hi), ordered=ordered)
    if not keep and not lo and not hi:
        yield from envelopes  # no filter to apply per envelope
        return
    for env in envelopes:
        if keep and any(env.get(k) != v for k, v in keep.items()):
            continue
        if lo or hi:
            stamp = env["fetched_at"]
            if (lo and stamp < lo) or (hi and stamp >= hi):
                continue
        yield env


def read_events(
    raw_dir: Path | str,
    kinds: Iterable[str] | None = None,
    *,
    enterprise_id: str | None = None,
    org: str | None = None,
    repo: str | None = None,
    fetched_from: TimeBound = None,
    fetched_to: TimeBound = None,
) -> Iterator[Event]:
    """Yield matching events in global seq order, streaming (see `read_dicts` for the filters)."""
    envelopes = read_dicts(
        raw_dir,
        kinds,
        enterprise_id=enterprise_id,
        org=org,
        repo=repo,
        fetched_from=fetched_from,
        fetched_to=fetched_to,
    )
    for env in envelopes:
        yield Event.from_dict(env)


def find_event(raw_dir: Path | str, event_id: str) -> Event | None:
    """Return the event with this id (or unique id prefix), None if there is none.

    Raises ValueError when a prefix matches several events.
    """
    raw = Path(raw_dir)
    if not check_format(raw):
        return None
    matches = [
        env
        for env in _envelopes(_plan(raw, None, None, None))
        if str(env.get("event_id", "")).startswith(event_id)
    ]
    if len(matches) > 1:
        raise ValueError(f"event id prefix {event_id!r} matches {len(matches)} events")
    return Event.from_dict(matches[0]) if matches else None
