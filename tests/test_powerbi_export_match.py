"""The model reads what the export writes: file names, header columns and manifest fields."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from pathlib import Path

import export
from dashboards.powerbi.model import MANIFEST_TABLE, build
from dashboards.powerbi.powerquery import manifest_partition
from projections import TABLES


def _exported(tmp_path: Path) -> Path:
    db = tmp_path / "metrics.db"
    with sqlite3.connect(db) as conn:
        for table in TABLES.values():
            columns = ", ".join(f"{name} {kind}" for name, kind in table.columns)
            conn.execute(f"CREATE TABLE {table.name} ({columns})")
    out = tmp_path / "export"
    export.export_tables(db, out, head_hash="ab" * 32)
    return out


def test_every_partition_types_exactly_the_exported_header(tmp_path: Path) -> None:
    """For each table, the M partition's typed columns are the CSV header, in order."""
    out = _exported(tmp_path)
    model = build(TABLES, str(out))
    for name in TABLES:
        with gzip.open(out / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as f:
            header = f.readline().rstrip("\r\n").split(",")
        source = model.table(name).source
        typed = source.split("Table.TransformColumnTypes(Source, ", 1)[1].split('"en-US"')[0]
        assert re.findall(r'\{"([^"]+)", ', typed) == header, name
        assert f'GhmcTable("{name}")' in source


def test_export_files_reads_fields_the_manifest_has(tmp_path: Path) -> None:
    """Every manifest field export_files reads is present in a real manifest.json."""
    doc = json.loads((_exported(tmp_path) / "manifest.json").read_text(encoding="utf-8"))
    model = build(TABLES, "x")
    source = manifest_partition(model.table(MANIFEST_TABLE).columns)
    assert {"archive_head", "definitions", "files"} <= set(doc)
    assert doc["archive_head"] == "ab" * 32
    listed = re.search(r"Table\.FromRecords\(Doc\[files\], \{([^}]*)\}", source)
    assert listed is not None
    fields = re.findall(r'"([^"]+)"', listed.group(1))
    assert fields
    for entry in doc["files"]:
        assert set(fields) <= set(entry)
