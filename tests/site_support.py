"""A ghmc site (config, archive, metrics.db, export, OneDrive copy, backup) built once against the
simulator and copied per test: the CLI tests of damage, lineage and the kill loop start from it."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

import cli
from archive.durable import TMP_PREFIX
from sim import SimConfig, Simulator

TOKEN_ENV = "GHMC_SITE_TEST_TOKEN"


def write_config(sim: Simulator, folder: Path) -> Path:
    """One simulated enterprise, a short backfill, an export and a OneDrive folder."""
    slug = sim.enterprises[0]
    orgs = ", ".join(f'"{o}"' for o in sim.orgs(slug))
    path = folder / "config.toml"
    path.write_text(
        f'data_dir = "data"\nhistory_days = 1\n\n[[enterprises]]\nid = "{slug}"\n'
        f'api_url = "{sim.base_url}"\ntoken_env = "{TOKEN_ENV}"\norgs = [{orgs}]\n\n'
        '[export]\nonedrive_dir = "onedrive"\n\n[backup]\ndir = "backup"\n',
        encoding="utf-8",
    )
    return path


@contextmanager
def simulator() -> Iterator[Simulator]:
    """A small simulator whose today is the real UTC day (the CLI runs on the wall clock)."""
    with Simulator(SimConfig(seed=5, today=datetime.now(UTC).date(), scale="small")) as sim:
        yield sim


def run(cfg: Path, *args: str) -> int:
    """Run the CLI in this process; return its exit code."""
    with pytest.raises(SystemExit) as done:
        cli.main(["--config", str(cfg), *args])
    return int(done.value.code or 0)


def copy_site(src: Path, dest: Path) -> Path:
    """Copy a built site (sealed segments are read-only: copied as they are); return its config."""
    shutil.copytree(src, dest)
    return dest / "config.toml"


def writable(path: Path) -> Path:
    """Make a sealed (read-only) file writable, to damage it on purpose."""
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return path


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path (absent folder: {})."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def published(folder: Path) -> dict[str, str]:
    """The published set of an export folder: the manifest and the table files, by sha256."""
    return {k: v for k, v in tree_digest(folder).items() if "/" not in k}


def set_problems(folder: Path) -> list[str]:
    """What is wrong with the export set in `folder` ([] when manifest and files agree): every
    listed file present with its sha256 and row count, no key twice, no unlisted table file
    (hidden temporary files aside: readers never pick them up)."""
    doc = json.loads((folder / "manifest.json").read_bytes())
    problems: list[str] = []
    listed = {f["name"] for f in doc["files"]}
    for f in doc["files"]:
        data = (folder / f["name"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != f["sha256"]:
            problems.append(f"{f['name']}: sha256 differs from manifest.json")
            continue
        if f.get("format", "csv.gz") != "csv.gz":  # a typed copy of a CSV's rows (sha256 only)
            continue
        rows = list(csv.reader(io.StringIO(gzip.decompress(data).decode("utf-8"))))[1:]
        if len(rows) != f["rows"]:
            problems.append(f"{f['name']}: {len(rows)} rows, manifest says {f['rows']}")
        index = [c["name"] for c in f["columns"]]
        keys = [tuple(r[index.index(k)] for k in f["key"]) for r in rows]
        if f["key"] and len(set(keys)) != len(keys):
            problems.append(f"{f['name']}: a key appears twice")
    stray = {p.name for p in folder.glob("*.csv.gz") if not p.name.startswith(TMP_PREFIX)} - listed
    problems += [f"{name}: not in manifest.json" for name in sorted(stray)]
    return problems


def db_head(db: Path) -> str:
    """The archive head metrics.db records in `_meta`."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT value FROM _meta WHERE key = 'archive_head'").fetchone()
    return str(row[0])


def token_env(sim: Simulator) -> dict[str, str]:
    """The environment a CLI run against `sim` needs."""
    return {TOKEN_ENV: sim.token(sim.enterprises[0])}


def build_site(sim: Simulator, folder: Path, *commands: str) -> Path:
    """Write a config into `folder` and run `commands` (each must exit 0); return `folder`."""
    cfg = write_config(sim, folder)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in token_env(sim).items():
            mp.setenv(name, value)
        for command in commands:
            assert run(cfg, command) == 0, command
    return folder
