"""The named row types of the definitions agree with the table schema, column for column."""

from __future__ import annotations

from projections.definitions.dora.repo import Change, Deploy, Incident
from projections.definitions.velocity.stages import PrRow
from projections.schema import TABLES


def _columns(table: str) -> tuple[str, ...]:
    return TABLES[table].column_names


def test_velocity_pr_row_is_the_table_row() -> None:
    """`PrRow` is a velocity_pull_requests row: the same fields in the same order."""
    assert PrRow._fields == _columns("velocity_pull_requests")


def test_dora_records_hold_the_table_columns_but_the_derived_ones() -> None:
    """`Deploy`, `Change`, `Incident` carry every column of their table except those
    `dora.tables` derives when it writes the row (org, is_baseline, prs_shipped), in table
    order, plus the working fields the definitions need (created_at, title)."""
    derived = {"org", "is_baseline", "prs_shipped"}
    working = {"created_at", "title"}
    for record, table in (
        (Deploy, "dora_deployments"),
        (Change, "dora_changes"),
        (Incident, "dora_incidents"),
    ):
        kept = tuple(f for f in record._fields if f not in working)
        assert kept == tuple(c for c in _columns(table) if c not in derived), table
