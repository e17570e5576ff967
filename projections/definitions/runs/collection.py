"""Collection runs → collection_runs: ghmc's own run.started / run.finished events.

Definition: one row per run_id; the latest run.finished (by fetched_at, seq) gives the counts and
status; a run with a start but no finish was killed: status `interrupted`, finished_at NULL.
`errors` is the number of error messages (the messages themselves are in `error_messages`, JSON).
"""

from __future__ import annotations

from typing import Any

import orjson

from archive import kinds
from projections.definitions.shared.observe import Latest, json_body, order_of
from projections.definitions.shared.timeutil import norm_ts
from projections.engine.events import Fetched

KINDS = frozenset({kinds.RUN_STARTED, kinds.RUN_FINISHED})
COUNTS = (
    "requests",
    "not_modified",
    "events",
    "bytes_received",
    "bytes_stored",
    "rate_limit_remaining_min",
)


class RunsCollector:
    """Run markers."""

    kinds = KINDS

    def __init__(self) -> None:
        self.started: Latest[str, dict[str, Any]] = Latest()
        self.finished: Latest[str, dict[str, Any]] = Latest()

    def add(self, ev: Fetched) -> None:
        """Observe one run marker."""
        body = json_body(ev)
        if not isinstance(body, dict):
            return
        run_id = str(body.get("run_id") or ev.run_id)
        body.setdefault("enterprise_id", ev.enterprise_id)
        target = self.finished if ev.kind == kinds.RUN_FINISHED else self.started
        target.offer(run_id, order_of(ev), body)

    def rows(self) -> list[tuple[object, ...]]:
        """collection_runs rows."""
        out: list[tuple[object, ...]] = []
        for run_id in sorted(set(self.started.items) | set(self.finished.items)):
            start = self.started.get(run_id) or {}
            fin = self.finished.get(run_id)
            body = fin if fin is not None else start
            errors = body.get("errors") if isinstance(body.get("errors"), list) else []
            assert isinstance(errors, list)
            warnings = body.get("warnings") if isinstance(body.get("warnings"), list) else []
            out.append(
                (
                    run_id,
                    str(body.get("enterprise_id") or start.get("enterprise_id") or ""),
                    norm_ts(body.get("started_at") or start.get("started_at")),
                    norm_ts(body.get("finished_at")) if fin is not None else None,
                    str(body.get("status") or "ok") if fin is not None else "interrupted",
                    *(body.get(n) if isinstance(body.get(n), int) else None for n in COUNTS),
                    len(errors),
                    body.get("charged") if isinstance(body.get("charged"), int) else None,
                    orjson.dumps(errors).decode(),
                    len(warnings or []),
                )
            )
        return out
