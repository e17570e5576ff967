"""Where projections read events from: the archive, or (in tests) a plain list.

An event source yields events (`projections.events.Fetched`) of the asked kinds and names the
archive head it read, so metrics.db can record what it was built from. `ArchiveSource` wraps
`archive.read_dicts` (kind after kind, unordered) and `archive.checked_head`; `ListSource` serves an
in-memory log of `archive.Event`s (tests, simulations). Order of delivery does not matter to any
projection: every tie is broken by (fetched_at, seq).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import archive
from archive.envelope import ENVELOPE_VERSION, Event
from projections.engine import meta
from projections.engine.events import PICK, Envelope, Fetched, fetched
from projections.engine.partition import Keep


class EventSource(Protocol):
    """A readable event log."""

    def events(self, kinds: frozenset[str], keep: Keep | None = None) -> Iterable[Fetched]:
        """Yield every stored event whose kind is in `kinds` (and, if given, that `keep` keeps)."""
        ...

    def head(self) -> str | None:
        """An identifier of the log's current content (None when unknown: always rebuild)."""
        ...


class ArchiveSource:
    """The archive in `raw_dir`, read through the archive package's checked streaming reader.

    `head` checks the whole archive against its manifest (`archive.checked_head`: structure and
    every segment's sha256), and that the heads metrics.db at `db_path` was built from are still
    in the chain; `events` hashes each segment again as it streams. Damage raises
    `archive.ArchiveDamaged`, so nothing is built from an archive that does not verify.
    """

    def __init__(self, raw_dir: Path, db_path: Path | None = None) -> None:
        self.raw_dir = Path(raw_dir)
        self.db_path = db_path

    def events(self, kinds: frozenset[str], keep: Keep | None = None) -> Iterator[Fetched]:
        """Stream events of `kinds` via `archive.read_dicts` (kind after kind, each in seq order).

        `keep` looks at the envelope dict before an event record is built, so a share of a parallel
        rebuild pays little for the events it skips.
        """
        # One stream (the manifest is read once), kind after kind: no projection depends on the
        # delivery order (ties are broken by (fetched_at, seq)), so the seq merge is skipped.
        # `fetched`, inlined for a complete envelope of the current version (one call less).
        new, pick, version = tuple.__new__, PICK, ENVELOPE_VERSION
        for env in archive.read_dicts(self.raw_dir, kinds=kinds, ordered=False):
            if keep is None or keep(env):
                try:
                    ev = new(Envelope, pick(env))
                except KeyError:
                    yield fetched(env)
                    continue
                yield ev if ev.v == version else fetched(env)

    def head(self) -> str | None:
        """The archive head, once the archive checks out (ArchiveDamaged otherwise)."""
        states = meta.read_state(self.db_path) if self.db_path is not None else None
        built_from = [s.archive_head for s in (states or {}).values()]
        return archive.checked_head(self.raw_dir, built_from)


class ListSource:
    """An in-memory event log (tests and simulations)."""

    def __init__(self, events: Sequence[Event]) -> None:
        self._events = list(events)

    def events(self, kinds: frozenset[str], keep: Keep | None = None) -> Iterator[Event]:
        """Yield the held events of `kinds` (that `keep` keeps) in the held order."""
        return (
            ev for ev in self._events if ev.kind in kinds and (keep is None or keep(ev.to_dict()))
        )

    def head(self) -> str:
        """A hash over (seq, event_id) of every held event."""
        h = hashlib.sha256()
        for ev in sorted(self._events, key=lambda e: e.seq):
            h.update(f"{ev.seq}:{ev.event_id}\n".encode())
        return h.hexdigest()
