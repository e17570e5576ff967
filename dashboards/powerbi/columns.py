"""How a metrics.db column becomes a Power BI column: data type, Power Query type, format.

The export writes SQLite types (TEXT, INTEGER, REAL) and text dates; the model needs typed
columns. The rules follow the column contract (design §5): `day`, `*_day`, `*_date`,
`period_start`, `week_start` are UTC days; `*_at` are ISO-8601 UTC timestamps; `*_rate` are
ratios 0–1; `*_minutes` are durations in minutes; every other TEXT is text, INTEGER a whole
number, REAL a decimal number.
"""

from __future__ import annotations

from dataclasses import dataclass

DATE_NAMES = frozenset({"day", "period_start", "week_start"})
ID_SUFFIXES = ("_id", "_number", "_key")


@dataclass(frozen=True, slots=True)
class ModelColumn:
    """A column of a model table.

    `m_type` is the Power Query type the partition converts the CSV text to; `zoned` marks a
    timestamp read as datetimezone and stored as a UTC datetime.
    """

    name: str
    data_type: str
    m_type: str
    format_string: str | None
    summarize_by: str
    zoned: bool = False
    hidden: bool = False


def is_date(name: str) -> bool:
    """True for a column that holds a UTC day (`YYYY-MM-DD`)."""
    return name in DATE_NAMES or name.endswith(("_day", "_date"))


def is_timestamp(name: str) -> bool:
    """True for a column that holds an ISO-8601 UTC timestamp."""
    return name.endswith("_at")


def model_column(name: str, sqlite_type: str) -> ModelColumn:
    """Map one registry column (name, SQLite type) to its model column."""
    kind = sqlite_type.upper()
    if kind == "TEXT" and is_date(name):
        return ModelColumn(name, "dateTime", "type date", "yyyy-mm-dd", "none")
    if kind == "TEXT" and is_timestamp(name):
        return ModelColumn(
            name, "dateTime", "type datetimezone", "yyyy-mm-dd hh:nn:ss", "none", zoned=True
        )
    if kind == "INTEGER":
        whole = "none" if name.endswith(ID_SUFFIXES) else "sum"
        return ModelColumn(name, "int64", "Int64.Type", "0" if whole == "none" else "#,0", whole)
    if kind == "REAL":
        if name.endswith("_rate"):
            return ModelColumn(name, "double", "type number", "0.0%", "none")
        return ModelColumn(name, "double", "type number", "#,0.00", "none")
    return ModelColumn(name, "string", "type text", None, "none")


def derived_key(name: str) -> ModelColumn:
    """A text key column added in Power Query (e.g. `repo_key`), hidden from report users."""
    return ModelColumn(name, "string", "type text", None, "none", hidden=True)


def derived_day(name: str) -> ModelColumn:
    """A UTC day column derived in Power Query from a timestamp (e.g. `deployed_at_day`)."""
    return ModelColumn(name, "dateTime", "type date", "yyyy-mm-dd", "none", hidden=True)
