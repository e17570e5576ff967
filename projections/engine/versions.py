"""Definition versions: a table's version is a hash of the code that defines it, found by place.

A table is named in the `TABLES` of exactly one folder of `projections.definitions`. Its version
hashes every Python file of that folder, of the folders its `BUILT_ON` names and of `shared/`
(path and bytes, in path order), then the table's DDL and, for a family that reads config, the
settings fingerprint. Nothing else enters: a new module in a family's folder is hashed without
being listed anywhere, and a change to the engine, to another family or to a doc re-versions
nothing.
"""

from __future__ import annotations

import hashlib
import importlib
from functools import cache
from pathlib import Path

from projections import definitions, schema
from projections.engine.registry import FAMILY_OF
from projections.settings import Settings

DEFINITIONS = Path(definitions.__file__).parent
"""The folder of the definition families."""
SHARED = "shared"
"""The folder of the rules every definition uses."""


@cache
def _folders() -> dict[str, tuple[str, ...]]:
    """Definition folder → the folders whose code its tables' rows depend on (itself first)."""
    out: dict[str, tuple[str, ...]] = {}
    for path in sorted(DEFINITIONS.iterdir()):
        if (path / "__init__.py").is_file():
            mod = importlib.import_module(f"{definitions.__name__}.{path.name}")
            out[path.name] = (path.name, *mod.BUILT_ON, SHARED)
    return out


def folder_of(table: str) -> str:
    """The definition folder that names `table` in its `TABLES`."""
    owners = [
        name
        for name in _folders()
        if table in importlib.import_module(f"{definitions.__name__}.{name}").TABLES
    ]
    if len(owners) != 1:
        raise LookupError(f"table {table} is defined by {len(owners)} folders: {owners}")
    return owners[0]


def code_files(table: str, root: Path = DEFINITIONS) -> list[Path]:
    """Every file whose bytes enter `table`'s version, under `root` (a copy of the folder in
    tests), in hashing order."""
    folders = sorted(set(_folders()[folder_of(table)]))
    return [p for f in folders for p in sorted((root / f).rglob("*.py"))]


def _code_hash(files: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def definition_versions(settings: Settings, *, root: Path = DEFINITIONS) -> dict[str, str]:
    """table → sha256 (first 16 hex) of its definition code, its DDL and, where its family reads
    config, the settings fingerprint. `root`: where the definition folders are (tests pass a
    copy)."""
    out: dict[str, str] = {}
    for table, fam in FAMILY_OF.items():
        h = hashlib.sha256(_code_hash(code_files(table, root), root).encode())
        h.update(schema.TABLES[table].ddl().encode())
        if fam.uses_settings:
            h.update(settings.fingerprint().encode())
        out[table] = h.hexdigest()[:16]
    return out
