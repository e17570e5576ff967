"""The daily job as a Windows Task Scheduler task (or a cron line elsewhere).

The task runs `<python> <cli.py> --config <config> daily` every day at HH:MM:

* whether or not the user is logged on — LogonType S4U (no password stored; the task cannot use
  the user's network credentials, which ghmc does not need: GitHub is reached with the token),
  or Password (schtasks asks for the password once and stores it);
* StartWhenAvailable: a run missed while the machine was off starts as soon as it is back;
* MultipleInstancesPolicy IgnoreNew: never two runs at once (ghmc's lock is the second guard);
* the working directory is the config file's folder (relative paths in config.toml are resolved
  against that folder anyway);
* output: the action is `cmd.exe /d /c "(if not exist <logs> mkdir <logs>) & … daily >>
  <logs>\\daily-task.log 2>&1"`, so everything ghmc prints (and any crash) lands in the logs
  folder, which the line itself creates first: on a fresh install the redirect would otherwise
  fail before ghmc runs (the cron line does the same with `mkdir -p`). That one file is
  appended to and is not pruned (cmd.exe holds it open during the run); the dated
  `ghmc-YYYY-MM-DD.log` files beside it are, after `retention.logs_days`.

The XML follows the Task Scheduler schema 1.2 (Windows 7 and later) and is written in UTF-16
with a BOM, the encoding `schtasks /Create /XML` expects.
"""

from __future__ import annotations

import getpass
import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path, PurePath, PureWindowsPath
from xml.etree import ElementTree as ET

from archive.durable import write_atomic
from export.errors import ExportError

TASK_NAME = "ghmc-daily"
TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
LOG_NAME = "daily-task.log"
LOGON_TYPES = {"s4u": "S4U", "password": "Password"}

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]
"""Runs a command and returns its completed process (injectable for tests)."""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What the scheduled task runs, when, and as whom."""

    python: Path
    cli: Path
    config: Path
    logs_dir: Path
    at: time = time(8, 0)
    user: str = ""
    logon: str = "s4u"
    start_day: date = date(2026, 1, 1)

    @property
    def workdir(self) -> Path:
        """The task's working directory: the config file's folder."""
        return self.config.parent


def current_user() -> str:
    """Return the user the task runs as: DOMAIN\\user on Windows, the login name elsewhere."""
    domain = os.environ.get("USERDOMAIN", "")
    user = os.environ.get("USERNAME") or getpass.getuser()
    return f"{domain}\\{user}" if domain else user


def _q(path: PurePath | str) -> str:
    return f'"{path}"'


def action(spec: TaskSpec) -> tuple[str, str]:
    """Return the task's (command, arguments): a cmd.exe wrapper that appends to the log."""
    logs = PureWindowsPath(spec.logs_dir)
    inner = f"{_q(spec.python)} {_q(spec.cli)} --config {_q(spec.config)} daily"
    mkdir = f"(if not exist {_q(logs)} mkdir {_q(logs)})"
    # cmd /c strips the outermost pair of quotes when the string starts with one.
    return (
        r"%SystemRoot%\System32\cmd.exe",
        f'/d /c "{mkdir} & {inner} >> {_q(logs / LOG_NAME)} 2>&1"',
    )


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{TASK_NS}}}{tag}")
    if text is not None:
        child.text = text
    return child


def task_xml(spec: TaskSpec) -> str:
    """Return the Task Scheduler definition (schema 1.2) as text with a UTF-16 declaration."""
    if spec.logon not in LOGON_TYPES:
        raise ExportError(f"logon must be one of {sorted(LOGON_TYPES)}, not {spec.logon!r}")
    ET.register_namespace("", TASK_NS)
    task = ET.Element(f"{{{TASK_NS}}}Task", {"version": "1.2"})
    info = _sub(task, "RegistrationInfo")
    _sub(info, "Description", "ghmc daily job: ingest, project, export, backup, clean-up.")
    _sub(info, "URI", f"\\{TASK_NAME}")
    trigger = _sub(_sub(task, "Triggers"), "CalendarTrigger")
    start = f"{spec.start_day.isoformat()}T{spec.at.strftime('%H:%M')}:00"
    _sub(trigger, "StartBoundary", start)
    _sub(trigger, "Enabled", "true")
    _sub(_sub(trigger, "ScheduleByDay"), "DaysInterval", "1")
    principal = _sub(_sub(task, "Principals"), "Principal")
    principal.set("id", "Author")
    _sub(principal, "UserId", spec.user or current_user())
    _sub(principal, "LogonType", LOGON_TYPES[spec.logon])
    _sub(principal, "RunLevel", "LeastPrivilege")
    settings = _sub(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("AllowHardTerminate", "true"),
        ("StartWhenAvailable", "true"),
        ("RunOnlyIfNetworkAvailable", "false"),
    ):
        _sub(settings, tag, value)
    idle = _sub(settings, "IdleSettings")
    _sub(idle, "StopOnIdleEnd", "false")
    _sub(idle, "RestartOnIdle", "false")
    for tag, value in (
        ("AllowStartOnDemand", "true"),
        ("Enabled", "true"),
        ("Hidden", "false"),
        ("RunOnlyIfIdle", "false"),
        ("WakeToRun", "false"),
        ("ExecutionTimeLimit", "PT4H"),
        ("Priority", "7"),
    ):
        _sub(settings, tag, value)
    actions = _sub(task, "Actions")
    actions.set("Context", "Author")
    exec_ = _sub(actions, "Exec")
    command, arguments = action(spec)
    _sub(exec_, "Command", command)
    _sub(exec_, "Arguments", arguments)
    _sub(exec_, "WorkingDirectory", str(spec.workdir))
    ET.indent(task, space="  ")
    body = ET.tostring(task, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-16"?>\n' + body + "\n"


def task_xml_bytes(spec: TaskSpec) -> bytes:
    """Return the definition encoded as schtasks wants it: UTF-16 with a byte-order mark."""
    return task_xml(spec).encode("utf-16")


def cron_line(spec: TaskSpec) -> str:
    """Return the crontab line that runs the daily job at the same time (non-Windows)."""
    log = spec.logs_dir / LOG_NAME
    return (
        f"{spec.at.minute} {spec.at.hour} * * * mkdir -p {_sh(spec.logs_dir)} && "
        f"cd {_sh(spec.workdir)} && "
        f"{_sh(spec.python)} {_sh(spec.cli)} --config {_sh(spec.config)} daily "
        f">> {_sh(log)} 2>&1"
    )


def _sh(path: Path) -> str:
    text = str(path)
    return "'" + text.replace("'", "'\"'\"'") + "'"


def schtasks_command(xml_path: Path, spec: TaskSpec) -> list[str]:
    """Return the schtasks command line that (re)creates the task from `xml_path`."""
    cmd = ["schtasks", "/Create", "/XML", str(xml_path), "/TN", TASK_NAME, "/F"]
    if spec.logon == "password":
        cmd += ["/RU", spec.user or current_user(), "/RP", "*"]
    return cmd


def _run(cmd: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), capture_output=True, text=True, check=False)


def install(spec: TaskSpec, xml_path: Path, runner: Runner = _run) -> str:
    """Write the definition to `xml_path` (UTF-16) and register it with schtasks (Windows)."""
    try:
        xml_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(xml_path, task_xml_bytes(spec))
    except OSError as exc:
        raise ExportError(f"could not write {xml_path}: {exc.strerror or exc}") from exc
    done = runner(schtasks_command(xml_path, spec))
    if done.returncode != 0:
        raise ExportError(
            f"schtasks could not create the task {TASK_NAME}: {done.stderr.strip() or done.stdout}"
            f" — the definition is in {xml_path}; run the command from an elevated prompt, or "
            "import that file in Task Scheduler (Action → Import Task…)."
        )
    return done.stdout.strip()
