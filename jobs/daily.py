"""The daily job: ingest → project → export → report → backup (weekly part on Sundays) → clean-up.

All six steps run under one `archive.RunLock` (a second `daily` gets `LockHeld`, exit 4). Each
step runs even when an earlier one failed: what was stored is still worth projecting, exporting
and backing up. A step's outcome (one summary line, or the exception it raised) is handed to
`on_step` as soon as it ends and returned at the end; cli.py turns the errors into exit codes.

Catching up after a missed day needs nothing special here: ingest plans from what the archive
holds (missing report and billing days, watermarks), so the next run fetches what was missed.

Clean-up removes, in this order:
* log files older than `retention.logs_days` (`ingest.logs.prune`, which owns the log names);
* dated export copies older than `export.keep_days` (`export.cleanup`);
* whole sealed archive segments older than `retention.raw_days` (`archive.prune_segments`,
  design §3: the manifest keeps their entries and PRUNED.ndjson records each removal). Only when
  this run's backup succeeded, so a segment is mirrored to `backup.dir` before it is pruned; and
  never closer than `history_days + 1` days, or ingest would fetch the pruned days again.
Old daily backups and weekly dumps are removed by the backup step (`backup.keep_days`,
`backup.keep_weeks`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import archive
import export
import projections
from config import Config
from dashboards.report import REPORT_NAME, build_report
from ingest import logs, run_ingest

_log = logging.getLogger("ghmc.projections")

Clock = Callable[[], float]
"""Epoch seconds (injectable: the demo and the tests run simulated days)."""


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """How one step of the daily job ended."""

    name: str
    summary: str
    """One line saying what the step did (empty when it failed)."""
    error: Exception | None
    seconds: float
    details: tuple[str, ...] = ()
    """Extra lines worth showing (ingest's per-run warnings and errors)."""

    @property
    def ok(self) -> bool:
        """Tell whether the step succeeded."""
        return self.error is None


STEP_NAMES = ("ingest", "project", "export", "backup", "cleanup")
"""The steps of the daily job, in the order they run."""

OnStep = Callable[[StepOutcome], None]
"""Called with each step's outcome as soon as the step ends."""


@dataclass(frozen=True, slots=True)
class _Job:
    """What every step needs: the configuration, the job's day and its clock."""

    cfg: Config
    day: date
    clock: Clock


def run_daily(
    cfg: Config,
    *,
    today: date | None = None,
    clock: Clock = time.time,
    on_step: OnStep | None = None,
) -> list[StepOutcome]:
    """Run the five steps under the run lock; return their outcomes (LockHeld if locked)."""
    job = _Job(cfg, today or datetime.fromtimestamp(clock(), UTC).date(), clock)
    outcomes: list[StepOutcome] = []
    with archive.RunLock(cfg.data_dir):
        for name, step in (
            ("ingest", _ingest),
            ("project", _project),
            ("export", _export),
            ("report", _report),
            ("backup", _backup),
        ):
            outcomes.append(_run_step(name, step, job, on_step))
        backup_ok = outcomes[-1].ok
        outcomes.append(
            _run_step("cleanup", lambda j, notes: _cleanup(j, notes, backup_ok), job, on_step)
        )
    return outcomes


Step = Callable[[_Job, list[str]], str]
"""A step: does its work, may append detail lines, returns its one-line summary."""


def _run_step(name: str, step: Step, job: _Job, on_step: OnStep | None) -> StepOutcome:
    started = time.monotonic()
    notes: list[str] = []
    summary, error = "", None
    try:
        summary = step(job, notes)
    except Exception as exc:  # one step failing must not stop the steps after it
        error = exc
    outcome = StepOutcome(name, summary, error, time.monotonic() - started, tuple(notes))
    if on_step is not None:
        on_step(outcome)
    return outcome


def _ingest(job: _Job, notes: list[str]) -> str:
    result = run_ingest(job.cfg, clock=job.clock)
    notes.extend(result.lines()[len(result.runs) :])
    summary = "; ".join(r.line() for r in result.runs)
    result.raise_for_status()
    return summary


def _project(job: _Job, _notes: list[str]) -> str:
    cfg = job.cfg
    settings = projections.Settings.from_config(cfg)
    # The step prints one summary line; the projection's progress lines go to the log file.
    teardown = logs.setup(cfg.logs_dir, keep_days=cfg.retention.logs_days, now=job.clock())
    try:
        result = projections.project(cfg.raw_dir, cfg.db_path, settings, progress=_log.info)
    finally:
        teardown()
    return result.summary()


def _export(job: _Job, _notes: list[str]) -> str:
    cfg = job.cfg
    rep = export.export_tables(
        cfg.db_path,
        cfg.export.dir,
        cfg.export.onedrive_dir,
        cfg.export.keep_days,
        raw_dir=cfg.raw_dir,  # checked before publishing; lineage from metrics.db
        formats=cfg.export.formats,
        today=job.day,
    )
    where = f" and {rep.onedrive_dir}" if rep.onedrive_dir else ""
    return f"{rep.rows:,} rows in {len(rep.files)} files to {rep.out_dir}{where}"


def _report(job: _Job, notes: list[str]) -> str:
    """The offline HTML report beside the export (and in the OneDrive copy), written atomically."""
    cfg = job.cfg
    onedrive = [cfg.export.onedrive_dir / REPORT_NAME] if cfg.export.onedrive_dir else []
    versions = projections.definition_versions(projections.Settings.from_config(cfg))
    report, paths = build_report(
        cfg.db_path, cfg.export.dir / REPORT_NAME, expected_versions=versions, copies=onedrive
    )
    notes.extend(report.warnings)
    where = " and ".join(str(p) for p in paths)
    return f"{where} ({len(report.html) / 1e6:.1f} MB)"


def _backup(job: _Job, _notes: list[str]) -> str:
    cfg = job.cfg
    rep = export.backup(
        cfg.db_path,
        cfg.raw_dir,
        cfg.backup.dir,
        weekly=job.day.weekday() == 6,
        today=job.day,
        daily_keep_days=cfg.backup.keep_days,
        weekly_keep_weeks=cfg.backup.keep_weeks,
    )
    dump = f", weekly dump {rep.weekly_path.name}" if rep.weekly_path else ""
    pruned = f", {len(rep.pruned)} old backups removed" if rep.pruned else ""
    return f"{rep.daily_path.name}{dump}, {len(rep.raw_copied)} archive files mirrored{pruned}"


def raw_cutoff(cfg: Config, day: date) -> tuple[date, int]:
    """Return (cutoff, days kept): segments whose newest event is older than cutoff may go.

    `retention.raw_days`, but never fewer than `history_days + 1`: ingest re-plans the last
    `history_days` days from the archive and would fetch a pruned day again.
    """
    keep = max(cfg.retention.raw_days, cfg.history_days + 1)
    return day - timedelta(days=keep), keep


def _cleanup(job: _Job, notes: list[str], backup_ok: bool) -> str:
    cfg = job.cfg
    old_logs = logs.prune(cfg.logs_dir, cfg.retention.logs_days, job.day)
    exports = export.cleanup(cfg.export.dir, cfg.export.keep_days, job.day)
    done = f"removed {len(old_logs)} old logs, {len(exports.exports)} old export copies"
    cutoff, keep = raw_cutoff(cfg, job.day)
    if keep != cfg.retention.raw_days:
        notes.append(
            f"retention.raw_days = {cfg.retention.raw_days} is shorter than history_days + 1: "
            f"keeping {keep} days of archive so ingest does not fetch pruned days again"
        )
    if not backup_ok:
        return f"{done}; archive not pruned (the backup step failed, so nothing is removed)"
    pruned = archive.prune_segments(cfg.raw_dir, cutoff)
    return (
        f"{done}, {len(pruned.pruned)} archive segments ({pruned.events} events) "
        f"older than {cutoff.isoformat()}"
    )
