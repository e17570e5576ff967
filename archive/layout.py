"""Where things live under data/raw, and the FORMAT file that versions it.

    raw/FORMAT                                   "ghmc archive format 1\n"
    raw/MANIFEST.ndjson                          hash-chained list of sealed segments
    raw/PRUNED.ndjson                            hash-chained record of segments pruned by retention
    raw/kind=<kind>/<YYYY>/<MM>/<first>-<last>.ndjson.zst      sealed segment (read-only)
    raw/kind=<kind>/<YYYY>/<MM>/<first>.ndjson.zst.open        segment being written
    raw/quarantine/                              torn tails cut off by recovery, kept for study

`first`/`last` are the zero-padded seq of the segment's first and last event; YYYY/MM come from
the first event's `fetched_at`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from archive.durable import fsync_dir, write_durably
from archive.errors import ArchiveFormatError, storage_error

FORMAT_VERSION = 1
FORMAT_NAME = "FORMAT"
MANIFEST_NAME = "MANIFEST.ndjson"
PRUNED_NAME = "PRUNED.ndjson"
QUARANTINE_NAME = "quarantine"
SEALED_SUFFIX = ".ndjson.zst"
OPEN_SUFFIX = ".ndjson.zst.open"
KIND_PREFIX = "kind="

_FORMAT_RE = re.compile(rb"ghmc archive format (\d+)\n")


def format_bytes(version: int = FORMAT_VERSION) -> bytes:
    """Return the exact content of a FORMAT file for `version`."""
    return f"ghmc archive format {version}\n".encode("ascii")


def check_format(raw_dir: Path) -> bool:
    """Refuse an archive of unknown format; return False when raw_dir holds no archive yet."""
    path = raw_dir / FORMAT_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if (raw_dir / MANIFEST_NAME).exists() or any(kind_dirs(raw_dir)):
            raise ArchiveFormatError(
                f"{path} is missing but {raw_dir} holds archive data: restore FORMAT from a "
                "backup (it must read 'ghmc archive format 1')"
            ) from None
        return False
    match = _FORMAT_RE.fullmatch(data)
    if match is None:
        raise ArchiveFormatError(
            f"{path} is damaged: expected {format_bytes()!r}, found {data[:60]!r}"
        )
    version = int(match.group(1))
    if version != FORMAT_VERSION or data != format_bytes(version):
        raise ArchiveFormatError(
            f"{path} says archive format {version}, but this ghmc reads only format "
            f"{FORMAT_VERSION}: use the ghmc version that wrote it, or upgrade ghmc"
        )
    return True


def ensure_format(raw_dir: Path) -> None:
    """Create raw_dir and its FORMAT file for a new archive, or check an existing one."""
    if check_format(raw_dir):
        return
    try:
        raw_dir.mkdir(parents=True, exist_ok=True)
        tmp = raw_dir / (FORMAT_NAME + ".tmp")
        write_durably(tmp, format_bytes())
        tmp.replace(raw_dir / FORMAT_NAME)
        fsync_dir(raw_dir)
    except OSError as exc:
        raise storage_error("create", raw_dir / FORMAT_NAME, exc) from exc


def kind_dirs(raw_dir: Path) -> Iterator[Path]:
    """Yield the `kind=<kind>` partition folders that exist."""
    if not raw_dir.is_dir():
        return
    for child in sorted(raw_dir.iterdir()):
        if child.is_dir() and child.name.startswith(KIND_PREFIX):
            yield child


def kind_dir(raw_dir: Path, kind: str) -> Path:
    """Return the partition folder of `kind`."""
    return raw_dir / f"{KIND_PREFIX}{kind}"


def segment_dir(raw_dir: Path, kind: str, fetched_at: str) -> Path:
    """Return the folder of a segment whose first event was fetched at `fetched_at`."""
    return kind_dir(raw_dir, kind) / fetched_at[0:4] / fetched_at[5:7]


def open_name(first_seq: int) -> str:
    """File name of an open segment starting at `first_seq`."""
    return f"{first_seq:012d}{OPEN_SUFFIX}"


def sealed_name(first_seq: int, last_seq: int) -> str:
    """File name of a sealed segment holding seqs first..last."""
    return f"{first_seq:012d}-{last_seq:012d}{SEALED_SUFFIX}"


def open_path_of(sealed: Path) -> Path:
    """Return the open name a sealed segment had before it was sealed."""
    first = int(sealed.name.split("-", 1)[0])
    return sealed.with_name(open_name(first))


def open_segments(raw_dir: Path) -> list[Path]:
    """Return every open segment file, sorted by path."""
    return sorted(p for d in kind_dirs(raw_dir) for p in d.glob(f"*/*/*{OPEN_SUFFIX}"))


def sealed_files(raw_dir: Path) -> list[Path]:
    """Return every sealed segment file on disk, sorted by path."""
    return sorted(p for d in kind_dirs(raw_dir) for p in d.glob(f"*/*/*{SEALED_SUFFIX}"))


def kind_of(path: Path, raw_dir: Path) -> str:
    """Return the kind a segment's partition folder names."""
    top = path.relative_to(raw_dir).parts[0]
    return top[len(KIND_PREFIX) :]


def rel(path: Path, raw_dir: Path) -> str:
    """Return `path` relative to raw_dir with forward slashes (as the manifest stores it)."""
    return path.relative_to(raw_dir).as_posix()
