"""Recent collection runs, read back from run.started / run.finished events."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from archive import kinds, read_events


@dataclass(frozen=True)
class RunRecord:
    """One collection run as the archive tells it (status `interrupted` without run.finished)."""

    run_id: str
    enterprise_id: str
    started_at: str
    finished_at: str | None
    status: str
    requests: int | None
    not_modified: int | None
    charged: int | None
    events: int | None
    errors: list[str]
    warnings: list[str]
    waited_s: float | None
    """Seconds waited for rate limits (None for runs archived before ghmc recorded it)."""

    def line(self) -> str:
        """One row of `ghmc runs`."""

        def n(v: int | None) -> str:
            return "-" if v is None else str(v)

        waited = f"  waited {self.waited_s / 60:.0f} min" if self.waited_s else ""
        return (
            f"{self.started_at[:19]}  {self.enterprise_id:<12} {self.status:<11} "
            f"req {n(self.requests):>6}  304 {n(self.not_modified):>6}  "
            f"charged {n(self.charged):>6}  events {n(self.events):>6}  "
            f"errors {len(self.errors)}  warnings {len(self.warnings)}{waited}  {self.run_id}"
        )


def list_runs(
    raw_dir: Path, *, enterprise_id: str | None = None, limit: int = 20
) -> list[RunRecord]:
    """The most recent runs first."""
    started: dict[str, dict[str, Any]] = {}
    finished: dict[str, dict[str, Any]] = {}
    if not (raw_dir / "FORMAT").exists():
        return []
    for ev in read_events(
        raw_dir, kinds={kinds.RUN_STARTED, kinds.RUN_FINISHED}, enterprise_id=enterprise_id
    ):
        body = orjson.loads(ev.body_bytes() or b"{}")
        (started if ev.kind == kinds.RUN_STARTED else finished)[ev.run_id] = body
    out = []
    for run_id, s in started.items():
        f = finished.get(run_id, {})
        out.append(
            RunRecord(
                run_id=run_id,
                enterprise_id=str(s.get("enterprise_id", "")),
                started_at=str(s.get("started_at", "")),
                finished_at=f.get("finished_at"),
                status=str(f.get("status", "interrupted")),
                requests=f.get("requests"),
                not_modified=f.get("not_modified"),
                charged=f.get("charged"),
                events=f.get("events"),
                errors=list(f.get("errors", [])),
                warnings=list(f.get("warnings", [])),
                waited_s=f.get("rate_limit_waited_s"),
            )
        )
    out.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
    return out[:limit]
