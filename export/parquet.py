"""`<table>.parquet`: the same rows as the CSV.GZ file, typed, for Power BI and DuckDB.

Types follow the table's declared SQLite types (TEXT → string, INTEGER → int64, REAL →
float64), with two refinements taken from the naming rules of design §5, so a reader needs no
casting step:

- a TEXT column named `day`, `*_day`, `*_date`, `*_start` (week / period starts) holds
  `YYYY-MM-DD` UTC days → `date32`;
- a TEXT column named `*_at` holds ISO-8601 UTC timestamps → `timestamp[us, UTC]`.

A value that does not parse as its column's type is an error naming the table and the column,
never a silently wrong file. Rows are in the CSV's order (the table key). The bytes depend only on
the rows and the pyarrow version: no wall-clock time, fixed row-group size, zstd compression.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from export.errors import ExportError
from export.schema import Column, TableSpec, quote_ident

ROW_GROUP_ROWS = 131_072
"""Rows per row group (and per fetch from SQLite): bounded memory, whatever the table size."""

_DECLARED: dict[str, pa.DataType] = {
    "TEXT": pa.string(),
    "INTEGER": pa.int64(),
    "REAL": pa.float64(),
}


def arrow_type(column: Column) -> pa.DataType:
    """Return the Parquet (Arrow) type of a metrics.db column (see the module docstring)."""
    declared = _DECLARED.get(column.type.upper(), pa.string())
    if declared != pa.string():
        return declared
    name = column.name
    if name == "day" or name.endswith(("_day", "_date", "_start")):
        return pa.date32()
    if name.endswith("_at"):
        return pa.timestamp("us", tz="UTC")
    return declared


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """Return the Arrow schema of a table's Parquet file: its columns in table order."""
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in spec.columns])


def manifest_columns(spec: TableSpec) -> tuple[Column, ...]:
    """The columns of a table's Parquet file as the manifest lists them (Arrow type names)."""
    return tuple(Column(c.name, str(arrow_type(c))) for c in spec.columns)


def write_parquet(conn: sqlite3.Connection, spec: TableSpec, out: BinaryIO) -> int:
    """Write the table `spec` of `conn` as Parquet into `out`; return the rows written."""
    schema = arrow_schema(spec)
    rows = 0
    with pq.ParquetWriter(
        out,
        schema,
        compression="zstd",
        use_dictionary=True,
        write_statistics=True,
    ) as writer:
        for batch in _batches(conn, spec, schema):
            writer.write_batch(batch, row_group_size=ROW_GROUP_ROWS)
            rows += batch.num_rows
    return rows


def _batches(
    conn: sqlite3.Connection, spec: TableSpec, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    names = ", ".join(quote_ident(c.name) for c in spec.columns)
    order = ", ".join(quote_ident(k) for k in spec.key)
    cursor = conn.execute(f"SELECT {names} FROM {quote_ident(spec.name)} ORDER BY {order}")
    while chunk := cursor.fetchmany(ROW_GROUP_ROWS):
        columns = list(zip(*chunk, strict=True))
        arrays = [
            _column_array(spec.name, field, values)
            for field, values in zip(schema, columns, strict=True)
        ]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _column_array(table: str, field: pa.Field, values: tuple[object, ...]) -> pa.Array:
    try:
        if field.type in (pa.date32(), pa.timestamp("us", tz="UTC")):
            return pc.cast(pa.array(values, type=pa.string()), field.type)
        return pa.array(values, type=field.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ExportError(
            f"{table}.{field.name}: a value is not a valid {field.type} for the Parquet export "
            f"({exc}); the CSV.GZ export is unaffected. Report this as a bug."
        ) from exc
