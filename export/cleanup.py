"""Retention for the daily job: old log files and old dated export copies.

Never touches the raw archive: pruning whole sealed segments past `retention.raw_days` is the
archive's own job (it keeps their hashes in the manifest chain).

Age is counted in whole days against `today`: something dated D is kept while
`(today - D).days < keep`, so `keep = 1` keeps only today's.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from export.errors import storage_error

HISTORY_DIR = "history"
"""Folder under the export directory holding one `YYYY-MM-DD` folder per export day."""

_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class CleanupReport:
    """What clean-up removed."""

    logs: tuple[Path, ...]
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


def prune_old_files(folder: Path, keep_days: int, today: date) -> list[Path]:
    """Remove regular files under `folder` last modified `keep_days` days ago or earlier."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        modified = datetime.fromtimestamp(path.stat().st_mtime).date()
        if (today - modified).days >= keep_days:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def cleanup(
    logs_dir: Path, logs_days: int, export_dir: Path, keep_days: int, today: date
) -> CleanupReport:
    """Remove log files older than `logs_days` and dated export copies older than `keep_days`."""
    try:
        logs = prune_old_files(Path(logs_dir), logs_days, today) if logs_days > 0 else []
        exports = prune_dated_dirs(Path(export_dir) / HISTORY_DIR, keep_days, today)
    except OSError as exc:
        raise storage_error("clean up", Path(logs_dir), exc) from exc
    return CleanupReport(tuple(logs), tuple(exports))
