"""Write once, rename into place: the one helper every package uses to write a file durably.

A file is written under a temporary name in its destination's folder (so the rename is atomic),
flushed and fsynced, then renamed over the destination with `os.replace`, and the folder is
fsynced so the rename survives a power loss. The temporary name is `.ghmc-tmp-<name>`: hidden,
and matching neither `*.csv.gz` nor `manifest.json`, so a Power Automate flow or a Power BI
folder query never picks up a half-written file. `remove_temps` clears what a killed run left.

Platform rule, in one place: folders cannot be opened (hence not fsynced) on Windows, where
`fsync_dir` is a no-op; everywhere else it is an `fsync` of the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".ghmc-tmp-"
_BLOCK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


def fsync_dir(path: Path) -> None:
    """Make a create, rename or delete in `path` durable (a no-op on Windows)."""
    if os.name == "nt":
        return
    fd = os.open(path, _DIR_FLAGS)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """fsync a file written by someone else (e.g. SQLite) before it is renamed into place."""
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def write_durably(path: Path, data: bytes) -> None:
    """Write `data` to `path` (no rename) and fsync it."""
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def temp_path(dest: Path) -> Path:
    """Return the temporary name under which `dest` is written before it is renamed."""
    return dest.with_name(f"{TMP_PREFIX}{dest.name}")


@contextlib.contextmanager
def open_temp(dest: Path) -> Iterator[BinaryIO]:
    """Open the temporary file of `dest` for writing; flush and fsync it on success.

    On failure the temporary file is removed. The caller renames it with `publish`.
    """
    tmp = temp_path(dest)
    fh = tmp.open("wb")
    try:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
    except BaseException:
        fh.close()
        tmp.unlink(missing_ok=True)
        raise
    fh.close()


def publish(dest: Path) -> None:
    """Rename the temporary file of `dest` into place (atomic within a folder; no folder fsync)."""
    temp_path(dest).replace(dest)


def replace_durably(src: Path, dest: Path) -> None:
    """Rename `src` (complete and fsynced) over `dest` and fsync the folder."""
    src.replace(dest)
    fsync_dir(dest.parent)


def write_atomic(dest: Path, data: bytes) -> None:
    """Write `data` to `dest` under a temporary name, fsync it, and rename it into place."""
    with open_temp(dest) as fh:
        fh.write(data)
    replace_durably(temp_path(dest), dest)


def copy_to_temp(src: Path, dest: Path) -> str:
    """Copy `src` to the temporary file of `dest` (fsynced); return the sha256 of the bytes."""
    digest = hashlib.sha256()
    with src.open("rb") as fin, open_temp(dest) as fout:
        while block := fin.read(_BLOCK):
            digest.update(block)
            fout.write(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def remove_temps(folder: Path) -> list[Path]:
    """Remove temporary files a killed run left in `folder`; return what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.glob(f"{TMP_PREFIX}*")):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def remove_stale_temps(folder: Path, prefix: str) -> list[Path]:
    """Remove `<prefix><pid>.*tmp` files of processes that are gone (a killed rebuild's).

    Meant for a caller that holds the run lock, so no other run is writing; the files of this
    process, and (where it can be told) of a live process, are left alone. On Windows a live
    process cannot be told from a dead one without extra packages: there the lock is the rule.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.glob(f"{prefix}*tmp")):
        pid = path.name[len(prefix) :].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Tell whether process `pid` exists (always False on Windows: see `remove_stale_temps`)."""
    if os.name == "nt":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
