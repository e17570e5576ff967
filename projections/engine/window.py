"""The rows a replay from day D rewrites (and that a table frozen before D keeps).

Definition: a row is *in the window from D* when the metric period it stands for ends on or after
D. For a row of one day or one instant (`day`, `merged_at`, …) that is its metric date ≥ D (a NULL
date counts as ≥ D: nothing to keep). For a row standing for an ISO week or a month
(`velocity_metrics`, `dora_metrics`), the period that contains D is recomputed entirely — a week or
month straddling D never mixes days computed before and after — so the row is in the window when
its period_start ≥ the start of the period of its granularity that contains D.
"""

from __future__ import annotations

from collections.abc import Callable

from projections.definitions.shared.timeutil import month_start, week_start
from projections.schema import Table

Row = tuple[object, ...]


def period_starts(from_day: str) -> dict[str, str]:
    """granularity → the start of the period of that granularity containing from_day."""
    return {"week": week_start(from_day), "month": month_start(from_day)}


def where(table: Table, from_day: str) -> tuple[str, list[str]]:
    """A SQL condition (and its parameters) selecting the table's rows in the window."""
    col = table.date_column
    if table.period is None:
        return f"({col} IS NULL OR substr({col}, 1, 10) >= ?)", [from_day]
    starts = period_starts(from_day)
    if table.period in starts:
        return f"({col} IS NULL OR {col} >= ?)", [starts[table.period]]
    gran = table.period
    return (
        f"({col} IS NULL OR {gran} NOT IN ('week', 'month') "
        f"OR ({gran} = 'week' AND {col} >= ?) OR ({gran} = 'month' AND {col} >= ?))",
        [starts["week"], starts["month"]],
    )


def in_window(table: Table, from_day: str) -> Callable[[Row], bool]:
    """A predicate telling whether a computed row is in the window (same rule as `where`)."""
    names = table.column_names
    i = names.index(table.date_column)
    starts = period_starts(from_day)
    if table.period is None:
        return lambda row: row[i] is None or str(row[i])[:10] >= from_day
    if table.period in starts:
        cut = starts[table.period]
        return lambda row: row[i] is None or str(row[i]) >= cut
    g = names.index(table.period)

    def pred(row: Row) -> bool:
        cut = starts.get(str(row[g]))
        return row[i] is None or cut is None or str(row[i]) >= cut

    return pred
