"""Definition versions follow the code: editing one definition re-versions exactly its tables."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from projections import Settings, definition_versions
from projections.engine.registry import FAMILY_OF
from projections.engine.versions import DEFINITIONS
from projections.schema import TABLES

COPILOT = {
    "copilot_daily_metrics",
    "copilot_breakdown_daily",
    "copilot_user_metrics",
    "copilot_user_teams",
    "copilot_repo_metrics",
}
DORA = {"dora_deployments", "dora_changes", "dora_incidents", "dora_metrics"}
VELOCITY = {"velocity_pull_requests", "velocity_metrics"}
EXPECTED = {
    "copilot": COPILOT,
    "seats": {"copilot_seats"},
    "premium": {"copilot_premium_requests"},
    "runs": {"collection_runs"},
    "dora": DORA,
    "velocity": VELOCITY,
    "activity": DORA | VELOCITY,
    "shared": set(TABLES),
}
"""Definition folder → the tables whose version an edit of any of its files must change."""
ALLOWED = {
    "copilot": {"copilot"},
    "seats": {"seats"},
    "premium": {"premium"},
    "runs": {"runs"},
    "dora": {"dora", "activity"},
    "velocity": {"velocity", "activity"},
    "activity": {"activity"},
    "shared": set(),
}
"""Definition folder → the other folders its modules may import (besides shared/)."""
FILES = sorted(p.relative_to(DEFINITIONS).as_posix() for p in DEFINITIONS.glob("*/**/*.py"))
"""Every module of a definition folder (the package's own `__init__` holds prose only)."""


def _edited(tmp_path: Path, rel: str, old: str | None = None, new: str = "") -> dict[str, str]:
    """The versions computed from a copy of the definitions in which `rel` was edited."""
    root = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, root, ignore=shutil.ignore_patterns("__pycache__"))
    path = root / rel
    text = path.read_text(encoding="utf-8")
    if old is None:
        text += "\nEDITED = 1\n"
    else:
        assert text.count(old) == 1, f"{old!r} not found once in {rel}"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return definition_versions(Settings(), root=root)


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {t for t in before if before[t] != after[t]}


def test_a_copy_of_the_definitions_gives_the_same_versions(tmp_path: Path) -> None:
    """Versions hash paths relative to the definitions folder, so an unedited copy agrees."""
    root = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, root, ignore=shutil.ignore_patterns("__pycache__"))
    assert definition_versions(Settings(), root=root) == definition_versions(Settings())


@pytest.mark.parametrize("rel", FILES)
def test_editing_a_definition_reversions_exactly_its_tables(tmp_path: Path, rel: str) -> None:
    """An edit of any file in a definition folder changes the versions of that folder's tables
    (and of the tables built on it), and of no other table."""
    before = definition_versions(Settings())
    after = _edited(tmp_path, rel)
    assert _changed(before, after) == EXPECTED[rel.split("/", 1)[0]]


def test_copilot_key_clash_rule_reversions_the_copilot_tables_only(tmp_path: Path) -> None:
    """Changing the Copilot key-clash rule (`first_wins`) re-versions the five Copilot report
    tables, and none of DORA or velocity (the bug of the old registry)."""
    before = definition_versions(Settings())
    after = _edited(tmp_path, "copilot/family.py", "first_wins=True", "first_wins=False")
    assert _changed(before, after) == COPILOT


@pytest.mark.parametrize("table", sorted(TABLES))
def test_each_table_is_defined_by_one_folder_and_versioned(table: str) -> None:
    """Every table has a family in the registry and exactly one definition folder naming it."""
    from projections.engine.versions import folder_of

    assert table in FAMILY_OF
    assert table in EXPECTED[folder_of(table)]


@pytest.mark.parametrize("rel", FILES)
def test_definitions_import_only_the_code_their_version_hashes(rel: str) -> None:
    """A definition module imports other definition folders only where its version hashes them
    (its own folder, `BUILT_ON`, shared/), so no table depends on code outside its version."""
    folder = rel.split("/", 1)[0]
    tree = ast.parse((DEFINITIONS / rel).read_text(encoding="utf-8"))
    prefix = "projections.definitions."
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        used |= {n[len(prefix) :].split(".")[0] for n in names if n.startswith(prefix)}
    assert used - {folder, "shared"} <= ALLOWED[folder]


def test_the_definitions_package_itself_holds_no_code() -> None:
    """`definitions/__init__.py` is not hashed into any version, so it may hold only prose."""
    tree = ast.parse((DEFINITIONS / "__init__.py").read_text(encoding="utf-8"))
    assert len(tree.body) == 1
    assert isinstance(tree.body[0], ast.Expr)
    assert isinstance(tree.body[0].value, ast.Constant)
