"""docs/powerbi.md stays true: its Power Query is generated, its names are the registry's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboards.powerbi import powerquery
from dashboards.powerbi.model import SemanticModel, build
from projections import TABLES

DOC = Path(__file__).resolve().parent.parent / "docs" / "powerbi.md"
TABLE_NAME = re.compile(r"\b((?:copilot|dora|velocity|collection)_[a-z_]+)\b")
COLUMN_REF = re.compile(r"\b([a-z_]+)\[([a-z_, ]+)\]")


@pytest.fixture(scope="module")
def text() -> str:
    """The page."""
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    """The generated model."""
    return build(TABLES, "x")


def _m_blocks(text: str) -> dict[str, str]:
    blocks = re.findall(r"```m\n// (\S+)\n(.*?)\n```", text, flags=re.DOTALL)
    return dict(blocks)


def test_doc_quotes_the_generated_power_query(text: str, model: SemanticModel) -> None:
    """Each M block of the page is exactly what the generator writes for that query."""
    blocks = _m_blocks(text)
    assert {"GhmcFiles", "GhmcTable", "dora_metrics"} <= set(blocks)
    generated = {"GhmcFiles": powerquery.FILES_M, "GhmcTable": powerquery.READ_TABLE_M}
    generated |= {t.name: t.source for t in model.tables}
    for name, m in blocks.items():
        assert m == generated[name], name


def test_doc_names_only_registry_tables_and_columns(text: str, model: SemanticModel) -> None:
    """Every table and `table[column]` the page names exists in the registry (or the model)."""
    names = set(TABLE_NAME.findall(text))
    assert {"copilot_repo_metrics", "collection_runs", "dora_metrics"} <= names
    assert names <= set(TABLES), names - set(TABLES)
    refs = COLUMN_REF.findall(text)
    assert len(refs) > 10
    for table, columns in refs:
        if table not in TABLES:
            continue
        known = {c.name for c in model.table(table).columns}
        for column in (c.strip() for c in columns.split(",")):
            assert column in known, f"{table}[{column}]"


def test_doc_relationship_table_matches_the_model(text: str, model: SemanticModel) -> None:
    """The fallback's dimension table lists exactly the facts each dimension relates to."""
    rows = re.findall(r"^\| `(\w+)` — (.*)$", text, flags=re.MULTILINE)
    assert {r[0] for r in rows} == {
        "Enterprise",
        "Date",
        "Repository",
        "User",
        "Organization",
        "Team",
    }
    for dim, rest in rows:
        named = set(TABLE_NAME.findall(rest))
        expected = {r.from_table for r in model.relationships if r.to_table == dim}
        if "every table except" in rest:
            named = set(TABLES) - named
        assert named == expected, dim
