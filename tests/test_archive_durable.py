"""One write-once helper (issue 14 item 4): `archive.durable`, and nobody else's copy of it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from archive import durable

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "export", "projections", "ingest", "jobs", "dashboards")


def _sources() -> list[Path]:
    found = [
        p for pkg in PACKAGES if (ROOT / pkg).is_dir() for p in sorted((ROOT / pkg).rglob("*.py"))
    ]
    return [*found, ROOT / "cli.py"]


def _code_names(path: Path) -> tuple[set[str], set[str]]:
    """(names defined or referenced, string literals) of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    names: set[str] = set()
    literals: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        ):
            literals.add(node.value)
    return names, literals


def test_no_package_declares_its_own_write_once_helpers() -> None:
    """Only archive/durable.py defines fsync-a-folder, temp names, open-temp or atomic writes."""
    helpers = {"fsync_dir", "_fsync_dir", "_fsync", "_fsync_file", "fsync_file", "temp_path",
               "open_temp", "write_atomic", "write_durably", "O_DIRECTORY"}  # fmt: skip
    found = []
    for path in _sources():
        if path.name == "durable.py":
            continue
        names, literals = _code_names(path)
        defined = {n for n in names & helpers if f"def {n}(" in path.read_text(encoding="utf-8")}
        found += [f"{path.relative_to(ROOT)}: {n}" for n in sorted(defined)]
        if "O_DIRECTORY" in names:
            found.append(f"{path.relative_to(ROOT)}: O_DIRECTORY")
        found += [f"{path.relative_to(ROOT)}: {v!r}" for v in literals if ".ghmc-tmp-" in v]
    assert found == []


def test_backup_does_not_redeclare_archive_names() -> None:
    """The backup reads the archive through archive's API: no archive file names of its own."""
    _, literals = _code_names(ROOT / "export" / "backup.py")
    for literal in literals:
        for name in ("MANIFEST", ".ndjson", "FORMAT", "quarantine", "kind="):
            assert name not in literal, literal


def test_stale_temps_of_dead_processes_go_live_ones_stay(tmp_path: Path) -> None:
    """A killed build's `.metrics.db.<pid>.tmp` is removed; this process's and a live one's stay."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        names = [f".metrics.db.{pid}.tmp" for pid in (dead.stdout.strip(), live.pid, os.getpid())]
        names.append(f".metrics.db.{dead.stdout.strip()}.part.tmp")
        for name in names:
            (tmp_path / name).write_bytes(b"half")
        removed = durable.remove_stale_temps(tmp_path, ".metrics.db.")
        assert sorted(p.name for p in removed) == sorted([names[0], names[3]])
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:3])
    finally:
        live.kill()
        live.wait()


def test_write_atomic_leaves_no_temp_and_replaces_whole(tmp_path: Path) -> None:
    """write_atomic replaces the destination and leaves no temporary file behind."""
    dest = tmp_path / "manifest.json"
    dest.write_bytes(b"old")
    durable.write_atomic(dest, b"new")
    assert dest.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
