"""manifest.json: what an export holds and what it was built from.

    {
      "format": "ghmc-export 1",
      "archive_head": "<sha256 hex of the archive manifest head, or null>",
      "definitions": {...} | [...] | null,     # from metrics.db `_meta`, see `read_definitions`
      "csv": {...},                            # the dialect, so a reader need not guess
      "files": [{"name", "table", "rows", "bytes", "sha256", "key", "columns": [{"name","type"}]}]
    }

The manifest holds no wall-clock time, so exporting the same data twice gives the same bytes; the
dated history folder records the day. It is written last: a reader that finds a manifest finds
every file it lists, complete.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from export.csvgz import FORMULA_PREFIX, LINE_END
from export.schema import Column, quote_ident

MANIFEST_NAME = "manifest.json"
FORMAT = "ghmc-export 1"
META_TABLE = "_meta"
VERSIONS_TABLE = "_table_versions"

JSONValue = Any
"""A value json.dumps accepts."""

_NAME_COLUMNS = ("table_name", "table", "projection", "name", "key")
_VERSION_COLUMNS = ("definition_version", "version", "definition", "value")


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """One exported table file as listed in the manifest."""

    table: str
    name: str
    rows: int
    bytes: int
    sha256: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    format: str = "csv.gz"
    """`csv.gz`, or `parquet` (whose column types are Arrow types, see export.parquet)."""

    def to_json(self) -> dict[str, JSONValue]:
        """Return the manifest entry of this file."""
        return {
            "name": self.name,
            "table": self.table,
            "format": self.format,
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "key": list(self.key),
            "columns": [{"name": c.name, "type": c.type} for c in self.columns],
        }


def read_definitions(conn: sqlite3.Connection) -> JSONValue:
    """Return the definition versions recorded in metrics.db's `_meta` table, or None.

    When `_meta` has a name-like and a version-like column (e.g. `table_name`,
    `definition_version`) the result maps name → version; otherwise it is the list of its rows
    (each a column → value object), sorted, so the lineage is kept whatever the layout.
    """
    if not _has_table(conn, META_TABLE):
        return None
    cursor = conn.execute(f"SELECT * FROM {quote_ident(META_TABLE)}")
    names = [str(d[0]) for d in cursor.description]
    rows = cursor.fetchall()
    lowered = [n.lower() for n in names]
    name_col = next((lowered.index(c) for c in _NAME_COLUMNS if c in lowered), None)
    version_col = next((lowered.index(c) for c in _VERSION_COLUMNS if c in lowered), None)
    if name_col is not None and version_col is not None and len(names) == 2:
        return {str(r[name_col]): _plain(r[version_col]) for r in sorted(rows, key=_sort_key)}
    records = [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in rows]
    return sorted(records, key=lambda r: json.dumps(r, sort_keys=True))


@dataclass(frozen=True, slots=True)
class Lineage:
    """What metrics.db says it was built from."""

    head: str | None
    """`_meta.archive_head`: the archive head every table is current with (None when unknown
    or when the tables differ, e.g. after a replay of some of them)."""
    heads: tuple[str, ...]
    """Every archive head a table of metrics.db was built from (`_table_versions`)."""


def _has_table(conn: sqlite3.Connection, name: str, *columns: str) -> bool:
    """Whether table `name` exists (with these columns)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    if found is None:
        return False
    have = {str(r[1]) for r in conn.execute(f"PRAGMA table_info({quote_ident(name)})")}
    return set(columns) <= have


def read_lineage(conn: sqlite3.Connection) -> Lineage:
    """Return the archive heads metrics.db records (written by `projections.meta`)."""
    head = None
    if _has_table(conn, META_TABLE, "key", "value"):
        row = conn.execute(
            f"SELECT value FROM {quote_ident(META_TABLE)} WHERE key = 'archive_head'"
        ).fetchone()
        head = str(row[0]) if row and row[0] else None
    heads: set[str] = set()
    if _has_table(conn, VERSIONS_TABLE, "archive_head"):
        rows = conn.execute(f"SELECT DISTINCT archive_head FROM {quote_ident(VERSIONS_TABLE)}")
        heads = {str(r[0]) for r in rows if r[0]}
    return Lineage(head, tuple(sorted(heads | ({head} if head else set()))))


def published_head(manifest_path: Path) -> str | None:
    """Return the `archive_head` of a published manifest.json (None when absent or unreadable)."""
    try:
        head = json.loads(manifest_path.read_bytes()).get("archive_head")
    except (OSError, ValueError, AttributeError):
        return None
    return head if isinstance(head, str) and head else None


def _plain(value: object) -> JSONValue:
    return value.hex() if isinstance(value, bytes) else value


def _sort_key(row: tuple[Any, ...]) -> str:
    return json.dumps([_plain(v) for v in row])


def build(files: list[ExportedFile], archive_head: str | None, definitions: JSONValue) -> bytes:
    """Return the manifest bytes (UTF-8 JSON, files sorted by name, LF, trailing newline)."""
    doc = {
        "format": FORMAT,
        "archive_head": archive_head,
        "definitions": definitions,
        "csv": {
            "encoding": "utf-8",
            "delimiter": ",",
            "quote": '"',
            "line_end": LINE_END,
            "header": True,
            "null": "",
            "decimal": ".",
            "formula_prefix": FORMULA_PREFIX,
            "gzip_mtime": 0,
        },
        "files": [f.to_json() for f in sorted(files, key=lambda f: f.name)],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def listed_names(manifest_path: Path) -> list[str]:
    """Return the file names a previous manifest listed ([] when absent or unreadable)."""
    try:
        doc = json.loads(manifest_path.read_bytes())
        return [str(entry["name"]) for entry in doc["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
