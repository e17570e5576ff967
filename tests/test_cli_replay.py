"""`replay`: only bad options are usage errors (exit 2); a failing rebuild is a failure (exit 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cli
import projections.api


def _setup(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'data_dir = "data"\n[[enterprises]]\nid = "contoso"\ntoken_env = "GHMC_T"\norgs = ["web"]\n'
    )
    (tmp_path / "data" / "raw").mkdir(parents=True)
    return cfg


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        cli.main(args)
    return int(done.value.code or 0)


def test_a_bad_date_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--from` that is not YYYY-MM-DD exits 2 and says what it wants."""
    cfg = _setup(tmp_path)
    assert _run(["--config", str(cfg), "replay", "--from", "03/04/2026"]) == 2
    assert "--from must be a date YYYY-MM-DD" in capsys.readouterr().err


def test_an_unknown_table_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--table` naming no projection table exits 2 and lists the known ones."""
    cfg = _setup(tmp_path)
    args = ["--config", str(cfg), "replay", "--from", "2026-03-04", "--table", "nope"]
    assert _run(args) == 2
    err = capsys.readouterr().err
    assert "unknown table 'nope'" in err
    assert "dora_metrics" in err


def test_a_value_error_of_the_rebuild_is_a_failure_not_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ValueError raised while rebuilding (a bug, odd data) exits 1, not 2, with its message."""
    cfg = _setup(tmp_path)

    def broken(*_args: Any, **_kw: Any) -> Any:
        raise ValueError("a value the rebuild did not expect")

    monkeypatch.setattr(projections.api, "_build", broken)
    assert _run(["--config", str(cfg), "replay", "--from", "2026-03-04"]) == 1
    err = capsys.readouterr().err
    assert "a value the rebuild did not expect" in err
    assert "Usage" not in err
