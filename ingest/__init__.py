"""ingest: collect from GitHub into the archive.

Public API (used by cli.py):

- `run_ingest(cfg, *, enterprise_ids=(), families=(), clock=time.time, sleep=time.sleep,
  policy=None, progress=None, session_factory=None) -> IngestResult`; the caller holds the
  RunLock. `IngestResult.lines()` for output, `.raise_for_status()` raises `PartialCollection`
  (exit 3) or `CollectionFailed` (exit 1).
- `list_runs(raw_dir, *, enterprise_id=None, limit=20) -> list[RunRecord]`
- `Progress(stream=None, tty=None)`: the terminal progress display.
- `FAMILIES`: the names accepted by `--only`.
"""

from __future__ import annotations

from ingest.collectors import FAMILIES
from ingest.errors import (
    AuthFailed,
    CollectionFailed,
    IngestError,
    PartialCollection,
    PermissionDenied,
    RequestError,
    RetriesExhausted,
)
from ingest.progress import Progress
from ingest.retry import RetryPolicy
from ingest.run import IngestResult, RunSummary, run_ingest
from ingest.runs import RunRecord, list_runs

__all__ = [
    "FAMILIES",
    "AuthFailed",
    "CollectionFailed",
    "IngestError",
    "IngestResult",
    "PartialCollection",
    "PermissionDenied",
    "Progress",
    "RequestError",
    "RetriesExhausted",
    "RetryPolicy",
    "RunRecord",
    "RunSummary",
    "list_runs",
    "run_ingest",
]
