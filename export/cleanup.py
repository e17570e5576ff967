"""Retention of export copies: dated `history/YYYY-MM-DD` folders older than `export.keep_days`.

The other clean-ups of the daily job belong to the package that owns the files (jobs/daily.py
calls each): log files `ingest.logs.prune` (it names them), whole sealed archive segments past
`retention.raw_days` `archive.prune_segments` (it keeps their hashes in the manifest chain), and
old backups `export.backup.prune_backups`.

Age is counted in whole days against `today`: something dated D is kept while
`(today - D).days < keep`, so `keep = 1` keeps only today's.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from export.errors import storage_error

HISTORY_DIR = "history"
"""Folder under the export directory holding one `YYYY-MM-DD` folder per export day."""

_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class CleanupReport:
    """What clean-up removed."""

    exports: tuple[Path, ...]


def parse_day(text: str) -> date | None:
    """Return the date a `YYYY-MM-DD` name holds, or None."""
    if not _DAY_RE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def prune_dated_dirs(root: Path, keep_days: int, today: date) -> list[Path]:
    """Remove `root/YYYY-MM-DD` folders `keep_days` days old or older; return them."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for child in sorted(root.iterdir()):
        day = parse_day(child.name)
        if child.is_dir() and day is not None and (today - day).days >= max(keep_days, 0):
            shutil.rmtree(child)
            removed.append(child)
    return removed


def cleanup(export_dir: Path, keep_days: int, today: date) -> CleanupReport:
    """Remove the dated export copies under `export_dir/history` older than `keep_days`."""
    history = Path(export_dir) / HISTORY_DIR
    try:
        exports = prune_dated_dirs(history, keep_days, today)
    except OSError as exc:
        raise storage_error("clean up", history, exc) from exc
    return CleanupReport(tuple(exports))
