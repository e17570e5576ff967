"""The README's first command, on a fresh copy of the repository, ends with every table exported.

The copy holds what a clone would (`git ls-files`, plus new files not ignored yet), without
.venv, data or demo. The `python3 -m venv … && pip install -e .` part is not repeated: the test
runs under this very environment (no network needed), so each `python …` part of the line is run
with this interpreter, in the copy, exactly as written.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docs_support import blocks

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_TABLES = (
    "copilot_daily_metrics", "copilot_breakdown_daily", "copilot_user_metrics",
    "copilot_user_teams", "copilot_seats", "copilot_premium_requests", "dora_deployments",
    "dora_changes", "dora_incidents", "dora_metrics", "velocity_pull_requests",
    "velocity_metrics", "collection_runs",
)  # fmt: skip
"""The tables of design §5, each exported as `<table>.csv.gz` (design §6)."""


def readme_commands() -> tuple[str, str]:
    """The README's first two lines of commands (the fenced block at its top)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("```") + 1
    return lines[start], lines[start + 1]


def shape(text: str) -> list[str]:
    """Output lines with what varies from run to run masked: paths, hashes, numbers, ports."""
    masked = []
    for raw in text.strip().splitlines():
        line = re.sub(r", weekly dump [^,\s]+", "", raw)  # only on a simulated Sunday
        line = re.sub(r"(?<![\w.])/\S+", "PATH", line)
        line = re.sub(r"\b[0-9a-f]{64}\b", "HASH", line)
        masked.append(re.sub(r"\d[\d,.\-:]*", "N", line).rstrip())
    return masked


def fresh_copy(dest: Path) -> Path:
    """Copy the files a clone would have into `dest`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file() and name.split("/")[0] not in {".venv", "data", "demo"}:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def test_readme_lines_are_the_install_and_ci_commands() -> None:
    """The README opens with the demo command and the CI command (.ci/run runs the second)."""
    first, second = readme_commands()
    assert first.endswith("&& python cli.py demo")
    assert second in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.slow
def test_readme_demo_on_fresh_copy(tmp_path: Path) -> None:
    """The README's demo exits 0, fills every table and prints the output the README shows."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to know which files a clone has")
    repo = fresh_copy(tmp_path / "clone")
    first, _ = readme_commands()
    runs = [part.strip() for part in first.split("&&") if part.strip().startswith("python ")]
    assert runs, first
    for part in runs:
        argv = [sys.executable, *shlex.split(part)[1:]]
        done = subprocess.run(
            argv, check=False, cwd=repo, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shown = next(b for b in blocks(ROOT / "README.md") if b.info == "text")
    expected = shape(shown.text)
    assert shape(done.stdout) == expected, "README's demo output is not what it prints"
    export_dir = repo / "demo" / "data" / "export"
    manifest = json.loads((export_dir / "manifest.json").read_bytes())
    assert {f["name"] for f in manifest["files"]} >= {f"{t}.csv.gz" for t in CONTRACT_TABLES}
    for table in CONTRACT_TABLES:
        for folder in (export_dir, repo / "demo" / "onedrive"):
            text = gzip.decompress((folder / f"{table}.csv.gz").read_bytes()).decode("utf-8")
            rows = list(csv.reader(io.StringIO(text)))
            assert len(rows) >= 2, f"{folder.name}/{table}.csv.gz has no data row"
