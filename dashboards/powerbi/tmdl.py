"""TMDL writer: the semantic model as the files of `<name>.SemanticModel/definition/`.

TMDL facts used (Microsoft Learn, "Tabular Model Definition Language"): one tab per nesting
level; `name: value` properties and flag properties; `=` introduces an expression, inline or on
the following lines indented two levels below the declaring line; names with characters other
than letters, digits and `_` are single-quoted with `'` doubled; `///` lines describe the object
below them; `ref table` lines in model.tmdl fix the table order. lineageTags are UUIDs derived
from object names (uuid5), so the same model gives the same bytes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable

from dashboards.powerbi.columns import ModelColumn
from dashboards.powerbi.measures import Measure
from dashboards.powerbi.model import ModelTable, Relationship, SemanticModel

COMPATIBILITY_LEVEL = 1567
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAMESPACE = uuid.UUID("6f1c2c1e-4c5e-4f0e-9a57-67686d632e31")
TAB = "\t"


KEYWORDS = frozenset(
    {"table", "column", "measure", "partition", "model", "relationship", "expression", "ref"}
    | {"annotation", "database", "hierarchy", "level", "role", "perspective", "culture"}
)
"""Object keywords: a name spelled like one is quoted so it cannot be read as a declaration."""


def name(text: str) -> str:
    """A TMDL object name, quoted when needed."""
    if _PLAIN.match(text) and text.lower() not in KEYWORDS:
        return text
    return "'" + text.replace("'", "''") + "'"


def lineage(*parts: str) -> str:
    """A stable lineageTag for the object at this path."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _description(text: str, depth: int) -> list[str]:
    return [f"{TAB * depth}/// {line}".rstrip() for line in text.splitlines() if line.strip()]


def _body(expression: str, depth: int) -> list[str]:
    """A multi-line expression, two levels below its declaring line at `depth`."""
    pad = TAB * (depth + 2)
    return [pad + line if line.strip() else "" for line in expression.splitlines()]


def _expression(head: str, expression: str, depth: int) -> list[str]:
    if "\n" not in expression:
        return [f"{TAB * depth}{head} = {expression}"]
    return [f"{TAB * depth}{head} =", *_body(expression, depth)]


def _column(table: ModelTable, col: ModelColumn) -> list[str]:
    p = TAB * 2
    lines = [f"{TAB}column {name(col.name)}", f"{p}dataType: {col.data_type}"]
    if table.key == col.name:
        lines.append(f"{p}isKey")
    if col.hidden:
        lines.append(f"{p}isHidden")
    if col.format_string:
        lines.append(f"{p}formatString: {col.format_string}")
    lines.append(f"{p}lineageTag: {lineage(table.name, 'column', col.name)}")
    lines.append(f"{p}summarizeBy: {col.summarize_by}")
    if table.partition_kind == "calculated":
        lines += [f"{p}isNameInferred", f"{p}sourceColumn: [{col.name}]"]
    else:
        lines.append(f"{p}sourceColumn: {col.name}")
    return [*lines, ""]


def _measure(table: ModelTable, m: Measure) -> list[str]:
    p = TAB * 2
    lines = _description(m.description, 1)
    lines += _expression(f"measure {name(m.name)}", m.expression, 1)
    if m.format_string:
        lines.append(f"{p}formatString: {m.format_string}")
    lines.append(f"{p}displayFolder: {m.folder}")
    lines.append(f"{p}lineageTag: {lineage(table.name, 'measure', m.name)}")
    return [*lines, ""]


def table_file(table: ModelTable) -> str:
    """tables/<name>.tmdl."""
    lines = [*_description(table.description, 0), f"table {name(table.name)}"]
    if table.is_date_table:
        lines.append(f"{TAB}dataCategory: Time")
    lines += [f"{TAB}lineageTag: {lineage(table.name)}", ""]
    for m in table.measures:
        lines += _measure(table, m)
    for col in table.columns:
        lines += _column(table, col)
    lines += [
        f"{TAB}partition {name(table.name)} = {table.partition_kind}",
        f"{TAB * 2}mode: import",
        f"{TAB * 2}source =",
        *_body(table.source, 2),
        "",
    ]
    if table.partition_kind == "m":
        lines.append(f"{TAB}annotation PBI_ResultType = Table")
    return "\n".join(lines) + "\n"


def database_file() -> str:
    """database.tmdl."""
    return f"database\n{TAB}compatibilityLevel: {COMPATIBILITY_LEVEL}\n"


def model_file(tables: Iterable[ModelTable], query_order: Iterable[str]) -> str:
    """model.tmdl: model properties and the order of the tables."""
    lines = [
        "model Model",
        f"{TAB}culture: en-US",
        f"{TAB}defaultPowerBIDataSourceVersion: powerBI_V3",
        f"{TAB}sourceQueryCulture: en-US",
        f"{TAB}dataAccessOptions",
        f"{TAB * 2}legacyRedirects",
        f"{TAB * 2}returnErrorValuesAsNull",
        "",
        f"annotation PBI_QueryOrder = {json.dumps(list(query_order), separators=(',', ':'))}",
        "",
        *[f"ref table {name(t.name)}" for t in tables],
    ]
    return "\n".join(lines) + "\n"


def relationships_file(relationships: Iterable[Relationship]) -> str:
    """relationships.tmdl."""
    lines: list[str] = []
    for r in relationships:
        lines.append(f"relationship {uuid.uuid5(_NAMESPACE, r.name)}")
        if r.both_directions:
            lines.append(f"{TAB}crossFilteringBehavior: bothDirections")
        lines.append(f"{TAB}fromColumn: {name(r.from_table)}.{name(r.from_column)}")
        lines.append(f"{TAB}toColumn: {name(r.to_table)}.{name(r.to_column)}")
        lines.append("")
    return "\n".join(lines)


_RESULT = {"parameter": "Text", "table": "Table", "function": "Function"}


def expressions_file(expressions: Iterable[tuple[str, str, str]]) -> str:
    """expressions.tmdl: the source parameter and the shared queries."""
    lines: list[str] = []
    for expr_name, m, kind in expressions:
        lines += _expression(f"expression {name(expr_name)}", m, 0)
        lines += [f"{TAB}lineageTag: {lineage('expression', expr_name)}", ""]
        lines += [f"{TAB}annotation PBI_ResultType = {_RESULT[kind]}", ""]
    return "\n".join(lines)


def model_files(model: SemanticModel) -> dict[str, str]:
    """Every TMDL file, by path relative to `definition/`."""
    query_order = [e[0] for e in model.expressions] + [
        t.name for t in model.tables if t.partition_kind == "m"
    ]
    files = {
        "database.tmdl": database_file(),
        "model.tmdl": model_file(model.tables, query_order),
        "relationships.tmdl": relationships_file(model.relationships),
        "expressions.tmdl": expressions_file(model.expressions),
    }
    for table in model.tables:
        files[f"tables/{table.name}.tmdl"] = table_file(table)
    return files
