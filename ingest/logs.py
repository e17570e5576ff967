"""Run logs: data/logs/ghmc-YYYY-MM-DD.log (UTC day), pruned after retention.logs_days; every line
is scrubbed of registered secrets, tracebacks included."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ingest.secrets import scrub

_NAME = re.compile(r"^ghmc-(\d{4}-\d{2}-\d{2})\.log$")


class ScrubbingFormatter(logging.Formatter):
    """Formats a record (and its traceback) and removes secrets from the result."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def log_path(logs_dir: Path, now: float) -> Path:
    """Today's log file."""
    return logs_dir / f"ghmc-{datetime.fromtimestamp(now, UTC).date().isoformat()}.log"


def prune(logs_dir: Path, keep_days: int, today: date) -> list[Path]:
    """Delete log files older than `keep_days`; return what was removed."""
    removed: list[Path] = []
    if not logs_dir.is_dir():
        return removed
    oldest = today - timedelta(days=keep_days)
    for path in logs_dir.iterdir():
        match = _NAME.match(path.name)
        if match and date.fromisoformat(match.group(1)) < oldest:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def setup(logs_dir: Path, *, keep_days: int, now: float) -> Callable[[], None]:
    """Send the `ghmc` logger to today's file; return a function that detaches it."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    prune(logs_dir, keep_days, datetime.fromtimestamp(now, UTC).date())
    handler = logging.FileHandler(log_path(logs_dir, now), encoding="utf-8")
    handler.setFormatter(
        ScrubbingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    logger = logging.getLogger("ghmc")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)

    def teardown() -> None:
        logger.removeHandler(handler)
        handler.close()

    return teardown
