"""The scheduled daily job: Task Scheduler XML, cron line and schtasks call (design §7)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import time
from pathlib import Path, PureWindowsPath
from xml.etree import ElementTree as ET

import pytest

from export import ExportError
from export.schedule import TASK_NAME, TaskSpec, cron_line, install, task_xml, task_xml_bytes

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
SPEC = TaskSpec(
    python=Path("C:/Python311/python.exe"),
    cli=Path("C:/ghmc/cli.py"),
    config=Path("C:/ghmc/config.toml"),
    logs_dir=Path("C:/ghmc/data/logs"),
    at=time(7, 30),
    user="CORP\\ana",
)


def _parse(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - parses the XML this test just generated


def _text(root: ET.Element, path: str) -> str:
    node = root.find(path, NS)
    assert node is not None, path
    return node.text or ""


def test_task_xml_parses_with_the_required_settings() -> None:
    """The UTF-16 XML parses; daily at HH:MM, logged on or not, catching up, one at a time."""
    root = _parse(task_xml_bytes(SPEC))
    assert root.tag == f"{{{NS['t']}}}Task"
    assert root.get("version") == "1.2"
    assert _text(root, "t:Triggers/t:CalendarTrigger/t:StartBoundary").endswith("T07:30:00")
    assert _text(root, "t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval") == "1"
    assert _text(root, "t:Principals/t:Principal/t:LogonType") == "S4U"
    assert _text(root, "t:Principals/t:Principal/t:UserId") == "CORP\\ana"
    assert _text(root, "t:Settings/t:StartWhenAvailable") == "true"
    assert _text(root, "t:Settings/t:MultipleInstancesPolicy") == "IgnoreNew"
    assert _text(root, "t:Settings/t:DisallowStartIfOnBatteries") == "false"
    assert _text(root, "t:Actions/t:Exec/t:WorkingDirectory") == str(SPEC.config.parent)


def test_task_action_runs_daily_and_logs() -> None:
    """The action runs `<python> <cli.py> --config <path> daily` and appends to the logs."""
    root = _parse(task_xml_bytes(SPEC))
    assert _text(root, "t:Actions/t:Exec/t:Command").lower().endswith("cmd.exe")
    args = _text(root, "t:Actions/t:Exec/t:Arguments")
    expected = f'"{SPEC.python}" "{SPEC.cli}" --config "{SPEC.config}" daily'
    logs = PureWindowsPath(SPEC.logs_dir)
    mkdir = f'(if not exist "{logs}" mkdir "{logs}")'
    assert args.startswith(f'/d /c "{mkdir} & {expected} >> ')
    log = logs / "daily-task.log"
    assert args.endswith(f'"{log}" 2>&1"')


def test_task_xml_is_utf16_with_bom() -> None:
    """The file form is UTF-16 with a byte-order mark and a matching declaration."""
    data = task_xml_bytes(SPEC)
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert data.decode("utf-16").startswith('<?xml version="1.0" encoding="UTF-16"?>')


def test_password_logon_and_bad_logon() -> None:
    """LogonType Password can be chosen; an unknown logon type is refused."""
    root = _parse(task_xml_bytes(replace(SPEC, logon="password")))
    assert _text(root, "t:Principals/t:Principal/t:LogonType") == "Password"
    with pytest.raises(ExportError, match="logon"):
        task_xml(replace(SPEC, logon="interactive"))


def test_cron_line_runs_daily_at_the_time() -> None:
    """Elsewhere the same job is one crontab line at MM HH."""
    spec = TaskSpec(
        Path("/usr/bin/python3"),
        Path("/g/cli.py"),
        Path("/g/config.toml"),
        Path("/g/data/logs"),
        at=time(8, 5),
    )
    line = cron_line(spec)
    assert line.startswith(
        "5 8 * * * mkdir -p '/g/data/logs' && cd '/g' && '/usr/bin/python3' '/g/cli.py' --config"
    )
    assert line.endswith(">> '/g/data/logs/daily-task.log' 2>&1")


def test_install_writes_xml_and_calls_schtasks(tmp_path: Path) -> None:
    """install writes the UTF-16 file and runs `schtasks /Create /XML file /TN ghmc-daily /F`."""
    calls: list[list[str]] = []

    def runner(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
        calls.append(list(cmd))
        return subprocess.CompletedProcess(list(cmd), 0, "SUCCESS", "")

    xml_path = tmp_path / "ghmc-daily.xml"
    assert install(SPEC, xml_path, runner) == "SUCCESS"
    assert calls == [["schtasks", "/Create", "/XML", str(xml_path), "/TN", TASK_NAME, "/F"]]
    assert _parse(xml_path.read_bytes()).get("version") == "1.2"


def test_install_failure_says_what_to_do(tmp_path: Path) -> None:
    """A refused schtasks call raises ExportError naming the XML file to import by hand."""

    def runner(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(list(cmd), 1, "", "ERROR: Access is denied.")

    with pytest.raises(ExportError, match=r"Access is denied.*Import Task"):
        install(SPEC, tmp_path / "t.xml", runner)


def test_printed_cron_line_works_on_a_fresh_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The line `schedule` prints runs in a folder with no data/ yet: it creates data/logs and
    the job's output lands in daily-task.log (the command is a stub standing in for python)."""
    from cli import main

    home = tmp_path / "fresh install"
    home.mkdir()
    config = home / "config.toml"
    config.write_text(
        '[[enterprises]]\nid = "e"\ntoken_env = "T"\norgs = ["o"]\n', encoding="utf-8"
    )
    with pytest.raises(SystemExit) as done:
        main(["--config", str(config), "schedule", "--time", "06:15"])
    line = capsys.readouterr().out.strip()
    assert done.value.code == 0
    assert not (home / "data").exists()
    fields = line.split(" ", 5)
    assert fields[:5] == ["15", "6", "*", "*", "*"]
    stub = tmp_path / "stub-python"
    stub.write_text('#!/bin/sh\necho "stub ran in $(pwd) with: $*"\n', encoding="utf-8")
    stub.chmod(0o755)
    shell = fields[5].replace(f"'{sys.executable}'", f"'{stub}'", 1)
    assert shell != fields[5]
    ran = subprocess.run(["/bin/sh", "-c", shell], capture_output=True, text=True, check=False)
    assert (ran.returncode, ran.stderr) == (0, "")
    log = (home / "data" / "logs" / "daily-task.log").read_text(encoding="utf-8")
    assert log.startswith(f"stub ran in {home} with: ")
    assert log.rstrip().endswith(f"--config {config} daily")
