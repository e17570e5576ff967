"""The `export`, `backup` and `schedule` commands: thin, with exit codes (design §7)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

import cli


def _setup(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'data_dir = "data"\n[[enterprises]]\nid = "contoso"\ntoken_env = "GHMC_T"\n'
        'orgs = ["web"]\n[export]\nonedrive_dir = "onedrive"\nkeep_days = 5\n'
    )
    (tmp_path / "data").mkdir()
    with sqlite3.connect(tmp_path / "data" / "metrics.db") as conn:
        conn.execute("CREATE TABLE collection_runs (run_id TEXT PRIMARY KEY, status TEXT)")
        conn.execute("INSERT INTO collection_runs VALUES ('r1', 'ok')")
    return cfg


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        cli.main(args)
    return int(done.value.code or 0)


def test_export_command_writes_both_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`export` writes the files and manifest locally and into the OneDrive folder."""
    cfg = _setup(tmp_path)
    assert _run(["--config", str(cfg), "export"]) == 0
    assert "exported 1 rows in 1 files" in capsys.readouterr().out
    for folder in ("data/export", "onedrive"):
        doc = json.loads((tmp_path / folder / "manifest.json").read_bytes())
        assert [f["name"] for f in doc["files"]] == ["collection_runs.csv.gz"]


def test_export_to_other_folder(tmp_path: Path) -> None:
    """`export --to DIR` writes into DIR instead of the configured folder."""
    cfg = _setup(tmp_path)
    assert _run(["--config", str(cfg), "export", "--to", str(tmp_path / "elsewhere")]) == 0
    assert (tmp_path / "elsewhere" / "collection_runs.csv.gz").is_file()
    assert not (tmp_path / "data" / "export").exists()


def test_export_without_database_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing metrics.db is exit 1 with a message that says to run `project`."""
    cfg = _setup(tmp_path)
    (tmp_path / "data" / "metrics.db").unlink()
    assert _run(["--config", str(cfg), "export"]) == 1
    assert "ghmc project" in capsys.readouterr().err


def test_backup_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`backup --weekly` writes the verified daily copy and the SQL dump."""
    cfg = _setup(tmp_path)
    assert _run(["--config", str(cfg), "backup", "--weekly"]) == 0
    out = capsys.readouterr().out
    assert "daily backup:" in out
    assert "weekly dump:" in out
    assert len(list((tmp_path / "data" / "backup" / "daily").glob("metrics-*.db"))) == 1


def test_schedule_print_shows_task_xml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`schedule --time 06:45 --print` prints the task XML for any OS."""
    cfg = _setup(tmp_path)
    assert _run(["--config", str(cfg), "schedule", "--time", "06:45", "--print"]) == 0
    text = capsys.readouterr().out
    root = ET.fromstring(text.split("\n", 1)[1])  # noqa: S314 - our own output
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    start = root.find("t:Triggers/t:CalendarTrigger/t:StartBoundary", ns)
    assert start is not None
    assert (start.text or "").endswith("T06:45:00")
    assert f'--config "{cfg.resolve()}" daily' in text


def test_schedule_bad_time_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A --time that is not HH:MM is bad usage: exit 2 naming the option."""
    cfg = _setup(tmp_path)
    assert _run(["--config", str(cfg), "schedule", "--time", "8h", "--print"]) == 2
    assert "--time" in capsys.readouterr().err
