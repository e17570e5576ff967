"""What the docs say about the Windows task is what `ghmc schedule --print` defines.

Windows itself is not here to run the task; the task's XML is. Each setting the docs describe
is read from the XML and the docs are checked to state that value, so a change of the
definition (say, a longer time limit) fails until the docs say so too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest
from docs_support import ROOT

NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
FIRST_DAY = (ROOT / "docs" / "first-day.md").read_text(encoding="utf-8")
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def task(tmp_path_factory: pytest.TempPathFactory) -> ET.Element:
    """The task definition `ghmc schedule --print` gives for a fresh install folder."""
    folder = tmp_path_factory.mktemp("ghmc")
    (folder / "config.toml").write_text(
        '[[enterprises]]\nid = "contoso"\ntoken_env = "GHMC_TOKEN_CONTOSO"\norgs = ["web"]\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GHMC_")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "schedule", "--print"],
        cwd=folder, env=env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return ET.fromstring(done.stdout.split("\n", 1)[1])  # noqa: S314 - our own output


def setting(task: ET.Element, path: str) -> str:
    """The text of one element of the definition."""
    found = task.find(path, NS)
    assert found is not None and found.text is not None, path
    return found.text


def test_time_limit_is_stated(task: ET.Element) -> None:
    """The execution time limit in the docs (`PT4H`, "4 hours") is the task's."""
    limit = setting(task, "t:Settings/t:ExecutionTimeLimit")
    hours = re.fullmatch(r"PT(\d+)H", limit)
    assert hours is not None, limit
    assert f"`{limit}`" in OPERATIONS
    assert f"{hours.group(1)} hours" in OPERATIONS
    assert f"{hours.group(1)} hours" in FIRST_DAY


def test_missed_start_and_single_instance_are_stated(task: ET.Element) -> None:
    """The task starts after a missed start and never runs twice at once, as the docs say."""
    assert setting(task, "t:Settings/t:StartWhenAvailable") == "true"
    assert setting(task, "t:Settings/t:MultipleInstancesPolicy") == "IgnoreNew"
    assert "as soon as possible after a missed start" in FIRST_DAY
    assert "never two at once" in FIRST_DAY


def test_logon_and_log_file_are_stated(task: ET.Element) -> None:
    """The task logs on S4U and appends to data/logs/daily-task.log, as the docs say."""
    assert setting(task, "t:Principals/t:Principal/t:LogonType") == "S4U"
    assert "S4U" in FIRST_DAY
    assert "S4U" in OPERATIONS
    arguments = setting(task, "t:Actions/t:Exec/t:Arguments")
    assert arguments.endswith('data\\logs\\daily-task.log" 2>&1"')
    assert "data\\logs\\daily-task.log" in FIRST_DAY


def test_default_time_is_stated(task: ET.Element) -> None:
    """The default start is 08:00, as the docs say."""
    assert setting(task, "t:Triggers/t:CalendarTrigger/t:StartBoundary").endswith("T08:00:00")
    assert "every day at 08:00" in FIRST_DAY
