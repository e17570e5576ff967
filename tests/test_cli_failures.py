"""Weaker spots of the CLI (issue 13, item 7): a log file on a full disk, backup advice that
matches what is broken, bad --limit values, SIGTERM during `daily`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from test_daily_job import token_env, write_config

import archive
from archive import kinds
from archive.lock import read_holder
from cli import main
from ingest.logs import log_path
from sim import FaultConfig, SimConfig, Simulator

ROOT = Path(__file__).resolve().parent.parent


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def log_on_full_disk(logs: Path) -> None:
    """The day's log file is /dev/full: every write fails with ENOSPC."""
    logs.mkdir(parents=True)
    log_path(logs, time.time()).symlink_to("/dev/full")


def logs_folder_blocked(logs: Path) -> None:
    """A regular file sits where the logs folder should be: it cannot be made."""
    logs.parent.mkdir(parents=True)
    logs.write_text("not a folder")


@pytest.mark.parametrize(
    ("breaker", "reason"),
    [(log_on_full_disk, "No space left on device"), (logs_folder_blocked, "Not a directory")],
)
def test_unwritable_log_is_one_line_not_tracebacks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    breaker: Callable[[Path], None],
    reason: str,
) -> None:
    """When the day's log cannot be written, `daily` says so once, prints no "Logging error"
    traceback, and every step still succeeds."""
    with Simulator(SimConfig(seed=5, today=datetime.now(UTC).date(), scale="small")) as sim:
        config = write_config(sim, tmp_path)
        for name, value in token_env(sim).items():
            monkeypatch.setenv(name, value)
        breaker(tmp_path / "data" / "logs")
        code, out, err = run_cli(capsys, "--config", str(config), "daily")
    assert code == 0, out + err
    assert "Logging error" not in err
    assert "Traceback" not in err
    assert err.count("cannot write the log file") == 1
    assert reason in err


def project_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A config whose metrics.db was built (from an empty archive); return the config path."""
    config = tmp_path / "config.toml"
    config.write_text('[[enterprises]]\nid = "e"\ntoken_env = "T"\norgs = ["o"]\n')
    code, out, err = run_cli(capsys, "--config", str(config), "project")
    assert code == 0, out + err
    return config


def test_backup_that_cannot_write_does_not_blame_metrics_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A backup copy that hits a full disk (its temporary file is /dev/full: SQLite reports
    "database or disk is full") is exit 1 saying metrics.db is fine, and does not advise
    `ghmc project`."""
    config = project_empty(tmp_path, capsys)
    daily_dir = tmp_path / "data" / "backup" / "daily"
    daily_dir.mkdir(parents=True)
    (daily_dir / f".ghmc-tmp-metrics-{date.today().isoformat()}.db").symlink_to("/dev/full")
    code, _, err = run_cli(capsys, "--config", str(config), "backup")
    assert code == 1
    assert "disk is full" in err
    assert "metrics.db is fine" in err
    assert "ghmc project" not in err


def test_backup_of_a_broken_metrics_db_advises_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When metrics.db itself is unreadable, the advice is to rebuild it with `ghmc project`."""
    config = project_empty(tmp_path, capsys)
    (tmp_path / "data" / "metrics.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    code, _, err = run_cli(capsys, "--config", str(config), "backup")
    assert code == 1
    assert "ghmc project" in err


@pytest.mark.parametrize(
    "args",
    [
        ["events", "list", "--limit", "-1"],
        ["events", "list", "--limit", "x"],
        ["runs", "--limit", "0"],
        ["runs", "--limit", "-5"],
    ],
)
def test_bad_limit_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """A negative (or non-numeric) --limit is exit 2 naming the option, not an internal error."""
    config = tmp_path / "config.toml"
    config.write_text('[[enterprises]]\nid = "e"\ntoken_env = "T"\norgs = ["o"]\n')
    code, _, err = run_cli(capsys, "--config", str(config), *args)
    assert code == 2
    assert "--limit" in err
    assert "Traceback" not in err


def terminate_daily(tmp_path: Path, sim: Simulator) -> tuple[int, str, float]:
    """Start `daily` in a process, SIGTERM it once every enterprise's run has started; return
    (exit code, stderr, seconds from the signal to the exit)."""
    config = write_config(sim, tmp_path)
    env = {**os.environ, **token_env(sim)}
    cmd = [sys.executable, str(ROOT / "cli.py"), "--config", str(config), "daily"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    raw, lock = tmp_path / "data" / "raw", tmp_path / "data" / "ghmc.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # polls the other process until both runs started
        assert proc.poll() is None, proc.communicate()
        if read_holder(lock).get("pid") == proc.pid and raw.exists():
            started = list(archive.read_dicts(raw, [kinds.RUN_STARTED]))
            if len(started) == len(sim.enterprises):
                break
        time.sleep(0.05)
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # it ignored SIGTERM: do not leave it behind
            proc.kill()
            proc.wait()
    return proc.returncode, err.decode(), time.monotonic() - signalled


def assert_interrupted_and_unlocked(tmp_path: Path, sim: Simulator) -> None:
    """Every enterprise's run has a run.finished saying `interrupted`; the lock is free; the
    archive verifies."""
    raw = tmp_path / "data" / "raw"
    finished = list(archive.read_dicts(raw, [kinds.RUN_FINISHED]))
    assert sorted(f["enterprise_id"] for f in finished) == sorted(sim.enterprises)
    bodies = [archive.find_event(raw, f["event_id"]) for f in finished]
    assert all(b is not None and b'"status":"interrupted"' in b.body_bytes() for b in bodies)
    assert read_holder(tmp_path / "data" / "ghmc.lock").get("pid") is None
    with archive.RunLock(tmp_path / "data"):
        pass
    assert archive.verify_archive(raw).ok


def test_sigterm_marks_the_run_interrupted_and_frees_the_lock(tmp_path: Path) -> None:
    """SIGTERM during ingest: exit 1 with a message, a run.finished with status
    `interrupted` for every enterprise, and the lock released (a next run can take it)."""
    today = datetime.now(UTC).date()
    with Simulator(SimConfig(seed=5, today=today, scale="small", latency_ms=40)) as sim:
        code, err, _ = terminate_daily(tmp_path, sim)
    assert code == 1, err
    assert "terminated (SIGTERM)" in err
    assert "Traceback" not in err
    assert_interrupted_and_unlocked(tmp_path, sim)


def test_sigterm_ends_a_long_rate_limit_wait(tmp_path: Path) -> None:
    """SIGTERM while every request is refused by a secondary rate limit (retry-after 600 s):
    the waits end at once, the runs are marked interrupted, and the process exits promptly."""
    today = datetime.now(UTC).date()
    faults = FaultConfig(rate=1.0, kinds=("secondary_429",), retry_after_s=600)
    with Simulator(SimConfig(seed=5, today=today, scale="small", faults=faults)) as sim:
        code, err, seconds = terminate_daily(tmp_path, sim)
    assert code == 1, err
    assert "terminated (SIGTERM)" in err
    assert seconds < 60
    assert_interrupted_and_unlocked(tmp_path, sim)
