"""Run logs: data/logs/ghmc-YYYY-MM-DD.log (UTC day), pruned after retention.logs_days; every line
is scrubbed of registered secrets, tracebacks included. A log file that cannot be written (a full
disk) is reported once on stderr, in one line, and then left alone: no "Logging error" traceback
per record, and the run itself goes on."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ingest.secrets import scrub

_NAME = re.compile(r"^ghmc-(\d{4}-\d{2}-\d{2})\.log$")


class ScrubbingFormatter(logging.Formatter):
    """Formats a record (and its traceback) and removes secrets from the result."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


_FAILED: set[str] = set()
_FAILED_LOCK = threading.Lock()


class QuietFileHandler(logging.FileHandler):
    """A log file handler that, when writing fails, says so once and stops writing."""

    def emit(self, record: logging.LogRecord) -> None:
        if self.baseFilename in _FAILED:
            return
        try:
            super().emit(record)
        except OSError as exc:  # opening the file (delayed to the first record) failed
            self._failed(exc)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802, ARG002 - logging API
        self._failed(sys.exc_info()[1])

    def close(self) -> None:
        try:
            super().close()  # flushes what is buffered: on a full disk, that fails too
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: BaseException | None) -> None:
        with _FAILED_LOCK:
            first = self.baseFilename not in _FAILED
            _FAILED.add(self.baseFilename)
        if first:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            sys.stderr.write(
                f"ghmc: cannot write the log file {self.baseFilename} ({reason}); "
                "the run goes on without it\n"
            )


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
    """Send the `ghmc` logger to today's file; return a function that detaches it.

    A log folder or file that cannot be made never fails the run: the file is opened on the
    first record (`delay`), and the handler reports the failure once.
    """
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        prune(logs_dir, keep_days, datetime.fromtimestamp(now, UTC).date())
    except OSError:
        pass  # reported by the handler when it cannot open the file
    handler = QuietFileHandler(log_path(logs_dir, now), encoding="utf-8", delay=True)
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
