"""`daily` and `demo` exit with the worst step's code (design §7), through the CLI, one failing
step at a time: a revoked token, a full disk under project, an export or backup folder that
cannot be written, a clean-up that fails, a partial collection."""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_daily_job import token_env, write_config

import archive
import config as config_mod
import export
import projections
from cli import JobFailed, _exit_code_for, main
from ingest.errors import PartialCollection
from jobs import daily
from sim import SimConfig, Simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """One simulator on today's date for every test here (each test has its own data)."""
    with Simulator(SimConfig(seed=5, today=datetime.now(UTC).date(), scale="small")) as s:
        yield s


def disk_full(*_args: Any, **_kwargs: Any) -> Any:
    """Stands in for a library call on a full disk."""
    raise OSError(errno.ENOSPC, "No space left on device")


def revoke_token(mp: pytest.MonkeyPatch, folder: Path) -> None:
    """The first enterprise's token is refused by GitHub (401 on every request)."""
    mp.setenv("GHMC_DAILY_TEST_0", "ghp_revoked0000000000000000000000000000")
    mp.setenv("GHMC_DAILY_TEST_1", "ghp_revoked1111111111111111111111111111")


def fill_disk_under_project(mp: pytest.MonkeyPatch, folder: Path) -> None:
    """The projection build hits a full disk."""
    mp.setattr(projections, "project", disk_full)


def block_export_dir(mp: pytest.MonkeyPatch, folder: Path) -> None:
    """A file sits where the export folder should be (root ignores modes, a file does not)."""
    (folder / "blocked-export").write_text("not a folder")


def block_backup_dir(mp: pytest.MonkeyPatch, folder: Path) -> None:
    """A file sits where the backup folder should be."""
    (folder / "blocked-backup").write_text("not a folder")


def fail_cleanup(mp: pytest.MonkeyPatch, folder: Path) -> None:
    """Removing old export copies fails on a full disk (the metadata write is refused)."""
    mp.setattr(export, "cleanup", disk_full)


def partial_ingest(mp: pytest.MonkeyPatch, folder: Path) -> None:
    """Ingest stored what it could but some requests failed after retries."""

    def partial(*_args: Any, **_kwargs: Any) -> Any:
        raise PartialCollection("enterprise e1: 2 requests failed after retries")

    mp.setattr(daily, "run_ingest", partial)


EXTRA = '[export]\ndir = "blocked-export"\n[backup]\ndir = "blocked-backup"\n'
Breaker = Callable[[pytest.MonkeyPatch, Path], None]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


@pytest.mark.parametrize(
    ("breaker", "step", "code"),
    [
        (revoke_token, "ingest", 1),
        (fill_disk_under_project, "project", 1),
        (block_export_dir, "export", 1),
        (block_backup_dir, "backup", 1),
        (fail_cleanup, "cleanup", 1),
        (partial_ingest, "ingest", 3),
    ],
)
def test_daily_exits_with_the_failed_steps_code(  # noqa: PLR0917 - pytest fixtures
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    breaker: Breaker,
    step: str,
    code: int,
) -> None:
    """One failing step makes `daily` exit with that step's documented code, names the step
    on stderr, and the other steps still ran."""
    config = write_config(sim, tmp_path, EXTRA)
    for name, value in token_env(sim).items():
        monkeypatch.setenv(name, value)
    breaker(monkeypatch, tmp_path)
    got, out, err = run_cli(capsys, "--config", str(config), "daily")
    assert got == code, out + err
    assert f"{step} (exit {code})" in err
    assert "Traceback" not in err
    label = "partial" if code == 3 else "FAILED"
    step_lines = [line for line in out.splitlines() if line.split(" ", 1)[0] in daily.STEP_NAMES]
    assert [line.split()[0] for line in step_lines] == list(daily.STEP_NAMES)
    assert any(line.startswith(step) and f"{label}:" in line for line in step_lines)


def test_daily_that_succeeds_exits_0(
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With nothing broken, every step succeeds and the exit code is 0."""
    config = write_config(sim, tmp_path)
    for name, value in token_env(sim).items():
        monkeypatch.setenv(name, value)
    got, out, err = run_cli(capsys, "--config", str(config), "daily")
    assert (got, err) == (0, ""), out
    assert "FAILED" not in out


def test_demo_exits_with_the_failed_steps_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A demo day whose backup fails (full disk) ends the demo with exit 1, naming the step."""
    monkeypatch.setattr(export, "backup", disk_full)
    got, out, err = run_cli(capsys, "demo", "--days", "1", "--dir", str(tmp_path / "demo"))
    assert got == 1, out + err
    assert "demo: 1 step(s) did not succeed: backup (exit 1)" in err
    assert "where things are:" in out


@pytest.mark.parametrize(
    ("codes", "worst"),
    [([3, 1], 1), ([3, 2], 2), ([1, 4], 4), ([3], 3), ([3, 3], 3)],
)
def test_worst_step_wins(codes: list[int], worst: int) -> None:
    """Lock (4) beats failure (1) beats usage (2) beats partial (3)."""
    errors: dict[int, Exception] = {
        1: OSError("disk"),
        2: config_mod.ConfigError("k: bad"),
        3: PartialCollection("some failed"),
        4: archive.LockHeld("held"),
    }
    steps = [daily.StepOutcome(f"s{i}", "", errors[c], 0.0) for i, c in enumerate(codes)]
    assert _exit_code_for(JobFailed("daily", steps)) == worst


@pytest.mark.parametrize("code", [0, 1, 3, 4])
def test_click_exit_inside_a_command_keeps_its_code(
    capsys: pytest.CaptureFixture[str], code: int
) -> None:
    """A command that ends with click's Exit(n) makes the process exit n, never 0 instead
    (click hands the code back, rather than raising, when not in standalone mode)."""
    import click

    from cli import cli

    @cli.command("exit-probe")
    def probe() -> None:
        raise click.exceptions.Exit(code)

    try:
        got, _, _ = run_cli(capsys, "exit-probe")
    finally:
        del cli.commands["exit-probe"]
    assert got == code


def test_refused_token_summary_names_no_missing_rate_limit(
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A run whose every request got 401 prints no rate-limit low-water mark (GitHub sent none),
    rather than `rate limit low None`."""
    config = write_config(sim, tmp_path)
    revoke_token(monkeypatch, tmp_path)
    got, out, err = run_cli(capsys, "--config", str(config), "ingest")
    assert got == 1, out + err
    assert "requests (" in out + err
    assert "None" not in out + err
