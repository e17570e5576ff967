"""The kill loop (issue 13): SIGKILL `daily`, `project` and `export` at random moments.

Each trial starts from a copy of one prepared site (a complete `daily`, then an `ingest`, so
`project` and `export` have real work to do), runs one command as a subprocess against the
simulator, kills it with SIGKILL after a random delay within that command's measured duration,
and checks: the archive verifies; metrics.db passes integrity_check and names a head the archive
holds; each export folder holds a whole set (manifest.json and its files agree, no key twice);
no event is stored twice; and the next `daily` completes, after which all of that holds again.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from site_support import (
    build_site,
    copy_site,
    db_head,
    run,
    set_problems,
    simulator,
    token_env,
)

import archive
from projections.schema import TABLES
from sim import Simulator

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("daily", "project", "export")
TRIALS = 7
"""Kills that land per command, 21 in all (a run that ended before its kill is not counted)."""
SEED = int(os.environ.get("GHMC_KILL_SEED", "13"))


@dataclass
class Trial:
    """One kill: what was killed when, and what was found after it."""

    command: str
    delay: float
    mid_switch: bool = False
    """Killed between two renames of a switch (a flat folder's mix until the next run)."""
    next_daily: float = 0.0


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """One simulator for the loop."""
    with simulator() as running:
        yield running


def _cli(cfg: Path, command: str, sim: Simulator) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "--config", str(cfg), command],
        cwd=cfg.parent,
        env={**os.environ, **token_env(sim)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def prepared(sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site after a complete `daily` and one more `ingest` (metrics.db behind the archive)."""
    return build_site(sim, tmp_path_factory.mktemp("prepared"), "daily", "ingest")


def _duration(prepared: Path, sim: Simulator, scratch: Path, command: str) -> float:
    """How long `command` takes to the end on a copy of the prepared site."""
    cfg = copy_site(prepared, scratch / "timing")
    started = time.monotonic()
    assert _cli(cfg, command, sim).wait() == 0
    return time.monotonic() - started


def _check_site(cfg: Path, trial: Trial | None) -> None:
    """The invariants after a kill (trial given) or after a completed run (None)."""
    data = cfg.parent / "data"
    report = archive.verify_archive(data / "raw")
    assert report.ok, (trial, report.problems)
    ids = [env["event_id"] for env in archive.read_dicts(data / "raw")]
    assert len(ids) == len(set(ids)), (trial, "an event stored twice")
    db = data / "metrics.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], trial
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(TABLES) <= names, (trial, set(TABLES) - names)
    assert archive.segment_listing(data / "raw").holds(db_head(db)), trial
    for folder in (data / "export", cfg.parent / "onedrive"):
        problems = set_problems(folder)
        if trial is not None and problems and (folder / ".ghmc-tmp-manifest.json").exists():
            trial.mid_switch = True  # killed between two renames: the next run finishes the set
            continue
        assert problems == [], (trial, folder)
        if trial is None:
            assert not list(folder.glob(".ghmc-tmp-*")), folder
    if trial is None:
        assert not list(data.glob(".metrics.db.*tmp")), "a killed build's temp file survived"


@pytest.mark.parametrize("command", COMMANDS)
def test_sigkill_at_random_moments_leaves_a_whole_site(
    command: str, prepared: Path, sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """7 SIGKILLs of the command (21 over the three): every invariant holds after each, and
    after the next `daily`, which completes."""
    for name, value in token_env(sim).items():
        monkeypatch.setenv(name, value)
    took = _duration(prepared, sim, tmp_path, command)
    rng = random.Random(f"{SEED}-{command}")
    trials: list[Trial] = []
    attempt = 0
    while len(trials) < TRIALS and attempt < 3 * TRIALS:
        attempt += 1
        cfg = copy_site(prepared, tmp_path / f"trial-{attempt}")
        trial = Trial(command, rng.uniform(0.25, 0.95) * took)
        proc = _cli(cfg, command, sim)
        time.sleep(trial.delay)
        proc.send_signal(signal.SIGKILL)
        if proc.wait() != -signal.SIGKILL:
            continue  # it finished first: not a kill
        trials.append(trial)
        _check_site(cfg, trial)
        started = time.monotonic()
        assert run(cfg, "daily") == 0, trial
        trial.next_daily = time.monotonic() - started
        _check_site(cfg, None)
    print(f"\nkill loop {command} (seed {SEED}, full run {took:.2f} s):")  # noqa: T201
    for t in trials:
        print(  # noqa: T201
            f"  {t.command:<8} killed at {t.delay:5.2f} s  mid-switch: {t.mid_switch!s:<5}  "
            f"next daily {t.next_daily:4.1f} s"
        )
    assert len(trials) == TRIALS
