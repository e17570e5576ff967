"""The daily job against the simulator: one lock, catching up, raw pruning, backup retention."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import archive
import config as config_mod
from archive import kinds
from archive.lock import read_holder
from jobs.daily import StepOutcome, raw_cutoff, run_daily
from jobs.demo import DemoClock
from sim import SimConfig, Simulator
from testkit.simconfig import write_sim_config

ROOT = Path(__file__).resolve().parent.parent
D0 = date(2026, 11, 2)  # a Monday: no weekly dump unless a test asks for a Sunday


def write_config(sim: Simulator, folder: Path, extra: str = "") -> Path:
    """A config for every simulated enterprise, with a short backfill to keep runs quick."""
    return write_sim_config(
        sim, folder, env_prefix="GHMC_DAILY_TEST_", history_days=2, extra=extra
    )[0]


def token_env(sim: Simulator) -> dict[str, str]:
    """The token variables `write_config` names."""
    return {f"GHMC_DAILY_TEST_{i}": sim.token(s) for i, s in enumerate(sim.enterprises)}


@pytest.fixture
def sim_at_d0(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Simulator, DemoClock]]:
    """A simulator on day D0 with a clock at 08:00 UTC of the simulated day."""
    clock = DemoClock(D0)
    with Simulator(SimConfig(seed=3, today=D0, scale="small", clock=clock)) as sim:
        for name, value in token_env(sim).items():
            monkeypatch.setenv(name, value)
        yield sim, clock


def daily_on(sim: Simulator, clock: DemoClock, cfg: config_mod.Config) -> list[StepOutcome]:
    """Run the daily job on the simulator's current day."""
    clock.set_day(sim.today)
    return run_daily(cfg, today=sim.today, clock=clock)


def report_days(raw: Path, kind: str) -> set[str]:
    """The `day` of every stored Copilot report answer of this kind."""
    return {
        str(env["request"]["query"]["day"])
        for env in archive.read_dicts(raw, [kind])
        if env["response"]["status"] == 200
    }


def test_second_daily_at_once_exits_4(tmp_path: Path) -> None:
    """While one `daily` process holds the lock, a second one exits 4 and says so."""
    today = datetime.now(UTC).date()
    with Simulator(SimConfig(seed=5, today=today, scale="small")) as sim:
        cfg = write_config(sim, tmp_path)
        env = {**os.environ, **token_env(sim)}
        cmd = [sys.executable, str(ROOT / "cli.py"), "--config", str(cfg), "daily"]
        first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        lock = tmp_path / "data" / "ghmc.lock"
        deadline = time.monotonic() + 30
        while read_holder(lock).get("pid") != first.pid and time.monotonic() < deadline:
            assert first.poll() is None, first.communicate()
            time.sleep(0.02)  # polls for the other process, not a wait standing in for a clock
        second = subprocess.run(
            cmd, check=False, env=env, capture_output=True, text=True, timeout=60
        )
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err.decode()
    assert second.returncode == 4, second.stderr
    assert "lock" in second.stderr.lower()
    steps = [line.split()[0] for line in out.decode().splitlines() if line[:1].isalpha()]
    assert steps == ["ingest", "project", "export", "report", "backup", "cleanup"]


def test_daily_after_missed_day_catches_up(
    tmp_path: Path, sim_at_d0: tuple[Simulator, DemoClock]
) -> None:
    """A run after a missed day fetches the reports the missed run would have, and exports them."""
    sim, clock = sim_at_d0
    cfg = config_mod.load(write_config(sim, tmp_path))
    assert all(s.ok for s in daily_on(sim, clock, cfg))
    kind = kinds.COPILOT_REPORT_ENTERPRISE_1_DAY
    assert D0.isoformat() not in report_days(cfg.raw_dir, kind)  # never today's report
    sim.advance_day(2)  # the run of D0 + 1 never happened
    steps = daily_on(sim, clock, cfg)
    assert [s.name for s in steps if not s.ok] == []
    days = report_days(cfg.raw_dir, kind)
    assert {D0.isoformat(), (D0 + timedelta(days=1)).isoformat()} <= days
    csv_text = gzip.decompress((cfg.export.dir / "copilot_daily_metrics.csv.gz").read_bytes())
    assert f",{D0.isoformat()}," in csv_text.decode()
    assert archive.verify_archive(cfg.raw_dir).ok


def test_daily_prunes_old_raw_segments_and_backups(
    tmp_path: Path, sim_at_d0: tuple[Simulator, DemoClock]
) -> None:
    """Clean-up prunes sealed segments past retention.raw_days (recorded, archive still verifies)
    and old logs, and the backup step removes dated backups past backup.keep_days."""
    sim, clock = sim_at_d0
    extra = "[retention]\nraw_days = 3\n[backup]\nkeep_days = 2\n"
    cfg = config_mod.load(write_config(sim, tmp_path, extra))
    assert all(s.ok for s in daily_on(sim, clock, cfg))
    head = archive.head_hash(cfg.raw_dir)
    first_backup = cfg.backup.dir / "daily" / f"metrics-{D0.isoformat()}.db"
    assert first_backup.is_file()
    old_segments = sorted(cfg.raw_dir.rglob("*.ndjson.zst"))
    old_log = cfg.logs_dir / f"ghmc-{(D0 - timedelta(days=40)).isoformat()}.log"
    old_log.write_text("old\n", encoding="utf-8")
    sim.advance_day(5)
    steps = daily_on(sim, clock, cfg)
    assert [s.name for s in steps if not s.ok] == []
    cleanup = steps[-1].summary
    assert f"older than {(sim.today - timedelta(days=3)).isoformat()}" in cleanup
    gone = [p for p in old_segments if not p.exists()]
    assert gone, cleanup
    assert len(gone) == len((cfg.raw_dir / "PRUNED.ndjson").read_bytes().splitlines())
    report = archive.verify_archive(cfg.raw_dir)
    assert report.ok, report.first_problem
    assert archive.head_hash(cfg.raw_dir) != head  # new events chained after the pruned ones
    for path in gone:  # every pruned segment had been mirrored by a backup first
        assert (cfg.backup.dir / "raw" / path.relative_to(cfg.raw_dir)).is_file()
    assert not first_backup.exists()
    assert not old_log.exists()  # retention.logs_days (30 by default)
    assert (cfg.backup.dir / "daily" / f"metrics-{sim.today.isoformat()}.db").is_file()


def test_raw_cutoff_never_inside_the_backfill_window(tmp_path: Path) -> None:
    """raw_days shorter than history_days + 1 is raised to it, so ingest never re-fetches."""
    raw = {"enterprises": [{"id": "c", "token_env": "T", "orgs": ["o"]}]}
    short = config_mod.parse(
        {**raw, "history_days": 90, "retention": {"raw_days": 30}}, tmp_path, check_env=False
    )
    assert raw_cutoff(short, D0) == (D0 - timedelta(days=91), 91)
    default = config_mod.parse(raw, tmp_path, check_env=False)
    assert raw_cutoff(default, D0) == (D0 - timedelta(days=1095), 1095)


def test_backup_retention_keys_default_and_validate(tmp_path: Path) -> None:
    """[backup] keep_days / keep_weeks default to 14 / 8 and must be positive integers."""
    raw = {"enterprises": [{"id": "c", "token_env": "T", "orgs": ["o"]}]}
    cfg = config_mod.parse(raw, tmp_path, check_env=False)
    assert (cfg.backup.keep_days, cfg.backup.keep_weeks) == (14, 8)
    for key, value in (("keep_days", 0), ("keep_weeks", "x")):
        with pytest.raises(config_mod.ConfigError, match=f"backup.{key}"):
            config_mod.parse({**raw, "backup": {key: value}}, tmp_path, check_env=False)
