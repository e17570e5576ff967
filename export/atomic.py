"""Write once, rename into place: temporary names, fsync, os.replace, directory fsync.

A temporary file lives in the same folder as its destination (so the rename is atomic) and is
named `.ghmc-tmp-<name>` — hidden, and not matching `*.csv.gz` or `manifest.json`, so a Power
Automate flow or a Power BI folder query never picks up a half-written file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".ghmc-tmp-"
_COPY_BLOCK = 1 << 20


def temp_path(dest: Path) -> Path:
    """Return the temporary name under which `dest` is written before it is renamed."""
    return dest.with_name(f"{TMP_PREFIX}{dest.name}")


def fsync_dir(path: Path) -> None:
    """Make renames in `path` durable (a no-op where folders cannot be opened, i.e. Windows)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    """Rename the temporary file of `dest` into place (atomic within a folder)."""
    temp_path(dest).replace(dest)


def write_atomic(dest: Path, data: bytes) -> None:
    """Write `data` to `dest` under a temporary name, fsync it, and rename it into place."""
    with open_temp(dest) as fh:
        fh.write(data)
    publish(dest)
    fsync_dir(dest.parent)


def copy_to_temp(src: Path, dest: Path) -> str:
    """Copy `src` to the temporary file of `dest` (fsynced); return the sha256 of the bytes."""
    digest = hashlib.sha256()
    with src.open("rb") as fin, open_temp(dest) as fout:
        while block := fin.read(_COPY_BLOCK):
            digest.update(block)
            fout.write(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_COPY_BLOCK):
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
