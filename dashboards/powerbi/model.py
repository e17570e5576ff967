"""The semantic model, as data: tables, columns, measures, relationships (rendered by `tmdl`).

One fact table per exported table of the projection registry (`projections.TABLES`), with the
columns the registry declares, typed by `columns.model_column`; plus dimension tables built in
Power Query from the facts (Enterprise, Organization, Repository, User, Team), a DAX date table,
and `export_files` (the export's manifest.json: the lineage of the data).

Relationships form a star: each dimension filters the facts that carry its key, one direction.
The one exception is the team bridge (`copilot_user_teams`): it relates only to Team and, in
both directions, to User, so a team filters its members' rows in every fact keyed by user and
no two filter paths join the same pair of tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from dashboards.powerbi import powerquery
from dashboards.powerbi.checks import dax_references
from dashboards.powerbi.columns import (
    ModelColumn,
    derived_day,
    derived_key,
    is_date,
    is_timestamp,
    model_column,
)
from dashboards.powerbi.measures import Measure, all_measures


class RegistryTable(Protocol):
    """What the model needs of a table of `projections.TABLES` (only its public attributes)."""

    @property
    def name(self) -> str: ...
    @property
    def columns(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def key(self) -> tuple[str, ...]: ...
    @property
    def date_column(self) -> str: ...
    @property
    def column_names(self) -> tuple[str, ...]: ...


BRIDGE = "copilot_user_teams"
DATE_TABLE = "Date"
MANIFEST_TABLE = "export_files"


@dataclass(frozen=True, slots=True)
class Relationship:
    """Many (from) → one (to) relationship between two columns."""

    from_table: str
    from_column: str
    to_table: str
    to_column: str
    both_directions: bool = False

    @property
    def name(self) -> str:
        """A stable, readable relationship name."""
        return f"{self.from_table}.{self.from_column} to {self.to_table}.{self.to_column}"


@dataclass(frozen=True, slots=True)
class ModelTable:
    """A model table: columns, and a partition that is either M (`m`) or DAX (`calculated`)."""

    name: str
    columns: tuple[ModelColumn, ...]
    partition_kind: str
    source: str
    description: str
    key: str | None = None
    is_date_table: bool = False
    measures: tuple[Measure, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Dimension:
    """A dimension built from the facts: its key is `enterprise_id|part|…` (or the one part)."""

    name: str
    key: str
    parts: tuple[str, ...]
    description: str

    def parts_in(self, fact: RegistryTable) -> tuple[str, ...] | None:
        """The fact's columns that make this dimension's key, or None if it has none."""
        names = fact.column_names
        found: list[str] = []
        for part in self.parts:
            options = LOGIN_COLUMNS if part == "user_login" else (part,)
            column = next((c for c in options if c in names), None)
            if column is None:
                return None
            found.append(column)
        return tuple(found)


LOGIN_COLUMNS = ("user_login", "author_login")
DIMENSIONS = (
    Dimension("Enterprise", "enterprise_id", ("enterprise_id",), "Enterprises (config id)."),
    Dimension("Organization", "org_key", ("enterprise_id", "org"), "Organizations; org '' = all."),
    Dimension("Repository", "repo_key", ("enterprise_id", "repo"), "Repositories, org/name."),
    Dimension("User", "user_key", ("enterprise_id", "user_login"), "People by login."),
    Dimension("Team", "team_key", ("enterprise_id", "org", "team_slug"), "Teams per org."),
)


@dataclass(frozen=True, slots=True)
class SemanticModel:
    """Everything the TMDL writer renders."""

    tables: tuple[ModelTable, ...]
    relationships: tuple[Relationship, ...]
    expressions: tuple[tuple[str, str, str], ...]
    """Shared M expressions: (name, M text, kind) with kind `parameter`, `function` or `table`."""

    def table(self, name: str) -> ModelTable:
        """The table called `name` (KeyError if absent)."""
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)


def _related_dims(fact: RegistryTable) -> list[tuple[Dimension, tuple[str, ...]]]:
    """The dimensions a fact relates to, with the fact columns that make each key."""
    found = []
    for dim in DIMENSIONS:
        if fact.name == BRIDGE and dim.name not in {"User", "Team"}:
            continue
        if dim.name == "Team" and fact.name != BRIDGE:
            continue
        parts = dim.parts_in(fact)
        if parts is not None:
            found.append((dim, parts))
    return found


def _day_column(fact: RegistryTable) -> tuple[str, str | None] | None:
    """(model column the Date table relates to, timestamp it is derived from or None)."""
    col = fact.date_column
    if fact.name == BRIDGE or col not in fact.column_names:
        return None
    if is_date(col):
        return col, None
    if is_timestamp(col):
        return f"{col}_day", col
    return None


def fact_table(fact: RegistryTable) -> ModelTable:
    """The model table of one registry table: its columns, derived keys and M partition."""
    columns = [model_column(name, sqlite_type) for name, sqlite_type in fact.columns]
    keys = [(d.key, parts) for d, parts in _related_dims(fact) if d.key not in fact.column_names]
    day = _day_column(fact)
    columns += [derived_key(k) for k, _ in keys]
    if day is not None and day[1] is not None:
        columns.append(derived_day(day[0]))
    source = powerquery.fact_partition(fact.name, columns, keys, day)
    return ModelTable(
        fact.name,
        tuple(columns),
        "m",
        source,
        f"{fact.name}.csv.gz of the ghmc export (design §5); key: {', '.join(fact.key)}.",
    )


def dimension_table(dim: Dimension, facts: list[tuple[str, tuple[str, ...]]]) -> ModelTable:
    """A dimension built from the distinct key parts of the facts that carry it."""
    cols = [model_column(p, "TEXT") for p in dim.parts]
    if dim.name == "Repository":
        cols.append(model_column("org", "TEXT"))
    if dim.key not in dim.parts:
        cols.insert(0, derived_key(dim.key))
    return ModelTable(
        dim.name,
        tuple(cols),
        "m",
        powerquery.dimension_partition(dim.name, dim.key, dim.parts, facts),
        dim.description,
        key=dim.key,
    )


def date_table() -> ModelTable:
    """The calendar: every day of the data (CALENDARAUTO), with week (ISO, Monday) and month."""
    day = ModelColumn("Date", "dateTime", "", "yyyy-mm-dd", "none")
    week = ModelColumn("Week start", "dateTime", "", "yyyy-mm-dd", "none")
    month = ModelColumn("Month start", "dateTime", "", "yyyy-mm", "none")
    year = ModelColumn("Year", "int64", "", "0", "none")
    source = (
        "ADDCOLUMNS(\n"
        "    CALENDARAUTO(),\n"
        '    "Week start", [Date] - WEEKDAY([Date], 3),\n'
        '    "Month start", DATE(YEAR([Date]), MONTH([Date]), 1),\n'
        '    "Year", YEAR([Date])\n'
        ")"
    )
    return ModelTable(
        DATE_TABLE,
        (day, week, month, year),
        "calculated",
        source,
        "Calendar of UTC days; weeks start on Monday (ISO), as velocity_metrics.week_start.",
        key="Date",
        is_date_table=True,
    )


def manifest_table() -> ModelTable:
    """export_files: manifest.json of the export (files, rows, sha256, archive head)."""
    cols = (
        model_column("name", "TEXT"),
        model_column("table", "TEXT"),
        model_column("rows", "INTEGER"),
        model_column("bytes", "INTEGER"),
        model_column("sha256", "TEXT"),
        model_column("archive_head", "TEXT"),
        model_column("definitions", "TEXT"),
    )
    return ModelTable(
        MANIFEST_TABLE,
        cols,
        "m",
        powerquery.manifest_partition(cols),
        "manifest.json of the export: what each file holds and what it was built from.",
    )


def _with_measures(tables: list[ModelTable]) -> list[ModelTable]:
    """Attach every measure whose tables all exist (a smaller registry drops the others)."""
    names = {t.name for t in tables}
    usable = [m for m in all_measures() if dax_references(m.expression).tables <= names]
    return [replace(t, measures=tuple(m for m in usable if m.table == t.name)) for t in tables]


def build(registry: Mapping[str, RegistryTable], source: str) -> SemanticModel:
    """The semantic model of every table in `registry` (normally `projections.TABLES`).

    `source` is the default value of the GhmcSource parameter (a folder or a SharePoint URL).
    """
    facts = [fact_table(t) for t in registry.values()]
    dims = []
    relationships: list[Relationship] = []
    for dim in DIMENSIONS:
        members = [
            (fact.name, parts)
            for fact in registry.values()
            for d, parts in _related_dims(fact)
            if d is dim
        ]
        if not members:
            continue
        dims.append(dimension_table(dim, members))
        for fact_name, _ in members:
            both = fact_name == BRIDGE and dim.name == "User"
            relationships.append(Relationship(fact_name, dim.key, dim.name, dim.key, both))
    for fact in registry.values():
        day = _day_column(fact)
        if day is not None:
            relationships.append(Relationship(fact.name, day[0], DATE_TABLE, "Date"))
    tables = _with_measures([*facts, *dims, date_table(), manifest_table()])
    return SemanticModel(tuple(tables), tuple(relationships), powerquery.shared_expressions(source))
