"""The scheduled daily job: Task Scheduler XML, cron line and schtasks call (design §7)."""

from __future__ import annotations

import subprocess
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
    assert args.startswith(f'/d /c "{expected} >> ')
    log = PureWindowsPath(SPEC.logs_dir) / "daily-task.log"
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
    assert line.startswith("5 8 * * * cd '/g' && '/usr/bin/python3' '/g/cli.py' --config")
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
