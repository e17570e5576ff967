"""The run lock: one holder at a time; a lock left by a dead process is taken over."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import archive
from archive.lock import LOCK_NAME, read_holder
from cli import main

ROOT = Path(__file__).resolve().parent.parent
HOLD_AND_RELEASE = """import sys, archive
with archive.RunLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""
HOLD_FOREVER = """import sys, archive
archive.RunLock(sys.argv[1]).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_second_holder_gets_lock_held_naming_the_first(tmp_path: Path) -> None:
    """While one RunLock is held, another (even in the same process) raises LockHeld."""
    with archive.RunLock(tmp_path):
        holder = read_holder(tmp_path / LOCK_NAME)
        with pytest.raises(archive.LockHeld, match=f"pid {holder['pid']}"):
            archive.RunLock(tmp_path).acquire()
    assert not (tmp_path / LOCK_NAME).exists()
    with archive.RunLock(tmp_path) as again:
        assert again.took_over is None


def test_lock_held_by_another_process_is_refused(tmp_path: Path) -> None:
    """A lock held by a live child process is refused; released when the child exits."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLD_AND_RELEASE,
            str(tmp_path),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "held"
    with pytest.raises(archive.LockHeld):
        archive.RunLock(tmp_path).acquire()
    child.stdin.close()
    child.wait()
    with archive.RunLock(tmp_path) as lock:
        assert lock.took_over is None


def test_lock_of_a_killed_process_is_taken_over_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A lock file left by a SIGKILLed holder is stale: taken over, with a warning naming it."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLD_FOREVER,
            str(tmp_path),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    child.kill()
    child.wait()
    assert (tmp_path / LOCK_NAME).exists()
    with caplog.at_level(logging.WARNING, logger="ghmc.archive"), archive.RunLock(tmp_path) as lock:
        assert lock.took_over and f"pid {child.pid}" in lock.took_over
    assert "took over a stale lock" in caplog.text


def test_leftover_lock_file_without_holder_is_taken_over(tmp_path: Path) -> None:
    """A lock file nobody holds (e.g. after a reboot) does not block a run."""
    (tmp_path / LOCK_NAME).write_bytes(
        orjson.dumps({"pid": 999999, "host": "old", "started_at": "x"})
    )
    with archive.RunLock(tmp_path) as lock:
        assert lock.took_over and "host old" in lock.took_over
        assert read_holder(tmp_path / LOCK_NAME)["pid"] != 999999


def test_cli_repair_while_locked_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ghmc verify --repair` needs the run lock: exit 4 naming the holder while it is held."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'data_dir = "{tmp_path.as_posix()}"\n[[enterprises]]\nid = "c"\norgs = ["o"]\n'
        'token_env = "GHMC_TEST_TOKEN"\n',
        encoding="utf-8",
    )
    with archive.RunLock(tmp_path), pytest.raises(SystemExit) as exc:
        main(["--config", str(cfg), "verify", "--repair"])
    assert exc.value.code == 4
    assert "another ghmc run holds" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [["project"], ["replay", "--from", "2026-11-01"], ["export"], ["backup"]],
)
def test_commands_that_write_results_exit_4_while_locked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """project, replay, export and backup write what `daily` writes: while another run holds the
    lock they exit 4 naming it, and touch nothing (a replay cannot be undone by the scheduled
    job's project, nor two exports interleave)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'data_dir = "{tmp_path.as_posix()}"\n[[enterprises]]\nid = "c"\norgs = ["o"]\n'
        'token_env = "GHMC_TEST_TOKEN"\n',
        encoding="utf-8",
    )
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with archive.RunLock(tmp_path), pytest.raises(SystemExit) as exc:
        main(["--config", str(cfg), *command])
    assert exc.value.code == 4
    assert "another ghmc run holds" in capsys.readouterr().err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
