"""What the manifest lists, checked against what is on disk, before anything is read from it.

Every reader of the archive (projections, `events`, export's lineage, backup's mirror) starts
here, so none of them can read around the hash chain:

* `segment_listing` — FORMAT known, manifest chain intact (a torn last line is a crash while
  sealing, left for recovery), retention records valid; every listed, unpruned segment on disk
  (under its sealed name, or its open name while a seal is unfinished) with its listed size; no
  sealed segment on disk that the manifest does not list (an emptied, truncated or replaced
  manifest). Sizes only: cheap. Raises ArchiveDamaged naming the first problem.
* `check_hashes` — the sha256 of every listed segment (≈ 2 GB/s with SHA extensions).
* `checked_head` — both, and that every head the caller built something from (metrics.db's
  lineage, a published export's) is still in the chain: an archive that lost, rolled back or
  replaced what was already built from it is damage, not a fresh start.

The content of each segment is checked again while it is read (`archive.stream` hashes the
compressed bytes as they stream and compares them with the entry at the end of the file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveDamaged
from archive.layout import (
    MANIFEST_NAME,
    check_format,
    kind_dirs,
    open_path_of,
    open_segments,
    rel,
    sealed_files,
)
from archive.manifest import GENESIS, ManifestEntry, load_manifest
from archive.prune import load_pruned

_BLOCK = 1 << 20
_RESTORE = (
    "restore data/raw from the backup mirror (backup.dir/raw, see docs/internals.md) or run "
    "`ghmc verify` for details"
)
_RESTORE_SENTENCE = _RESTORE[0].upper() + _RESTORE[1:]


@dataclass(frozen=True, slots=True)
class Listing:
    """The checked manifest of an archive and where each live segment is on disk."""

    exists: bool
    """False when raw_dir holds no archive at all (no FORMAT and nothing else)."""
    entries: tuple[ManifestEntry, ...]
    """Every manifest entry, pruned ones included (the chain)."""
    segments: tuple[tuple[Path, ManifestEntry], ...]
    """The unpruned entries in seq order, each with its file (sealed, or open mid-seal)."""

    @property
    def head(self) -> str:
        """The hash of the last entry (GENESIS when nothing is sealed)."""
        return self.entries[-1].hash if self.entries else GENESIS

    def holds(self, head: str) -> bool:
        """Tell whether `head` is GENESIS or the hash of one of the entries."""
        return head == GENESIS or any(e.hash == head for e in self.entries)


def segment_listing(raw_dir: Path | str) -> Listing:
    """Check the archive's structure (see the module doc); raise ArchiveDamaged."""
    raw = Path(raw_dir)
    if not check_format(raw):
        return Listing(exists=False, entries=(), segments=())
    entries = load_manifest(raw)
    gone = {r.entry for r in load_pruned(raw, entries)}
    segments: list[tuple[Path, ManifestEntry]] = []
    for entry in sorted(entries, key=lambda e: e.first_seq):
        path = raw / entry.path
        if entry.n in gone:
            continue
        if not path.is_file():
            path = open_path_of(path)  # sealing interrupted between manifest line and rename
        try:
            size = path.stat().st_size
        except OSError:
            raise ArchiveDamaged(
                f"archive damaged: segment {entry.path} is listed in the manifest but missing; "
                f"{_RESTORE}"
            ) from None
        if size != entry.size:
            raise ArchiveDamaged(
                f"archive damaged: segment {entry.path} has {size} bytes, the manifest lists "
                f"{entry.size}; {_RESTORE}"
            )
        segments.append((path, entry))
    _refuse_unlisted(raw, entries)
    return Listing(exists=True, entries=tuple(entries), segments=tuple(segments))


def _refuse_unlisted(raw: Path, entries: list[ManifestEntry]) -> None:
    """Raise when a sealed segment on disk is not in the manifest (a pruned one still present
    is an interrupted prune, which the next prune finishes: readers skip it)."""
    listed = {raw / e.path for e in entries}
    stray = [p for p in sealed_files(raw) if p not in listed]
    if not stray:
        return
    what = f"{MANIFEST_NAME} is empty or missing" if not entries else "segments were added"
    raise ArchiveDamaged(
        f"archive damaged: {len(stray)} sealed segment(s) on disk are not in the manifest "
        f"({what}), first {rel(stray[0], raw)}; {_RESTORE}"
    )


def check_hashes(listing: Listing) -> None:
    """Re-hash every live segment of `listing`; raise ArchiveDamaged naming the first changed."""
    for path, entry in listing.segments:
        sha = hashlib.sha256()
        try:
            with path.open("rb") as fh:
                while block := fh.read(_BLOCK):
                    sha.update(block)
        except OSError as exc:
            raise ArchiveDamaged(f"archive damaged: cannot read {entry.path}: {exc}") from exc
        if sha.hexdigest() != entry.sha256:
            raise segment_changed(entry)


def segment_changed(entry: ManifestEntry) -> ArchiveDamaged:
    """The error for a segment whose bytes differ from its manifest entry."""
    return ArchiveDamaged(
        f"archive damaged: segment {entry.path} differs from its sha256 in the manifest (the "
        f"file was changed); nothing was built from it. {_RESTORE_SENTENCE}"
    )


def checked_head(raw_dir: Path | str, built_from: Iterable[str | None] = ()) -> str:
    """Check structure and every segment's hash, and that each head in `built_from` (None and
    '' are skipped) is in the chain; return the archive head. Raises ArchiveDamaged."""
    raw = Path(raw_dir)
    listing = segment_listing(raw)
    check_hashes(listing)
    for head in built_from:
        if head and not listing.holds(head):
            raise lost_head(raw, listing, head)
    return listing.head


def lost_head(raw: Path, listing: Listing, head: str) -> ArchiveDamaged:
    """The error for an archive that no longer holds a head something was built from."""
    state = (
        f"{raw} holds no archive"
        if not listing.exists
        else f"its manifest ({len(listing.entries)} entries) does not contain it"
    )
    return ArchiveDamaged(
        f"archive lost or replaced: data was built from archive head {head[:16]}…, but {state}. "
        f"Nothing was rebuilt or published. To recover, {_RESTORE}; only if the archive was "
        "replaced on purpose, remove metrics.db (and the published manifest.json) and run "
        "`ghmc project`."
    )


def lost_archive(raw_dir: Path | str, traces: Sequence[Path]) -> str | None:
    """A problem text when raw_dir holds no sealed data but `traces` (files an earlier run
    leaves: metrics.db, backups, logs) exist; None for a fresh install or a live archive."""
    raw = Path(raw_dir)
    if (raw / MANIFEST_NAME).is_file() and (raw / MANIFEST_NAME).stat().st_size > 0:
        return None
    if any(kind_dirs(raw)) and (sealed_files(raw) or open_segments(raw)):
        return None  # open segments only (a first run not sealed yet), or unlisted: verify says
    found = [str(t) for t in traces if t.exists()]
    if not found:
        return None
    where = "does not exist" if not raw.exists() else "holds no sealed segment and no manifest"
    return (
        f"archive lost: {raw} {where}, but earlier runs left {', '.join(found)}. "
        f"{_RESTORE_SENTENCE}; if this really is a fresh start, remove those files first."
    )
