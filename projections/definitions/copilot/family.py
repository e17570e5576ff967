"""The collector the engine runs for the Copilot report tables, and their key-clash rule."""

from __future__ import annotations

from functools import partial

from projections.definitions.copilot import reports
from projections.engine.events import Fetched
from projections.engine.ordered import Ordered

Row = tuple[object, ...]


class ReportsFamily:
    """Copilot report files of some report kinds → the tables those kinds feed."""

    def __init__(self, report_kinds: frozenset[str]) -> None:
        self.collector = reports.ReportCollector(report_kinds)
        self.tables = reports.tables_of(report_kinds)

    def add(self, ev: Fetched) -> None:
        """Take a report file."""
        self.collector.add(ev)

    def finish(self) -> dict[str, list[Row] | Ordered]:
        """The report tables, each made when written (see `reports.ReportCollector`). Key clash
        (`first_wins`): a report may repeat a key; the winning fetch's first row of it is kept."""
        tables = reports.ReportTables(self.collector.finish(), self.collector.stray)
        return {name: Ordered(partial(tables.rows, name), first_wins=True) for name in self.tables}
