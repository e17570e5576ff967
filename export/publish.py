"""Replacing a published set of files (tables + manifest.json) as a whole, in a flat folder.

A folder that Power BI or Power Automate reads (the export folder, its OneDrive copy, a dated
history copy) holds one set: `<table>.csv.gz` files and the `manifest.json` that lists them
with their sha256. A new set replaces the old one in three phases:

1. **stage** — every new file is written under its temporary name (`.ghmc-tmp-<name>`, hidden,
   matching no reader's filter) and fsynced; the old set is untouched and stays what readers see;
2. **commit point** — the new manifest is written and fsynced as `.ghmc-tmp-manifest.json`, and
   the folder is fsynced. From here the new set is complete on disk;
3. **switch** — each table file is renamed over its old one, `manifest.json` last, the folder is
   fsynced, and files the old manifest listed but the new one does not are removed.

A run killed in phase 1 leaves temporary files only: the next run removes them (the old set was
never touched). A run killed in phase 3 leaves a mix of old and new table files under the old
manifest; the next run **finishes the switch first** (`recover_set`): every file the staged
manifest lists is there under its temporary or final name with the listed sha256, so the renames
are completed, manifest last, before anything else happens — even when that run then refuses to
export (a damaged archive). The mix is visible only between the first rename and the last
(milliseconds) or until the next run after a kill. Why a flat folder and not a versioned
subfolder behind a pointer: see docs/internals.md ("The export set").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from archive.durable import fsync_dir, publish, remove_temps, sha256_file, temp_path, write_durably
from export.manifest import MANIFEST_NAME, listed_names


def stage_manifest(folder: Path, manifest_bytes: bytes) -> None:
    """Phase 2: write the new manifest under its temporary name, durably (the commit point)."""
    write_durably(temp_path(folder / MANIFEST_NAME), manifest_bytes)
    fsync_dir(folder)


def switch(folder: Path, names: Iterable[str]) -> None:
    """Phase 3: rename the staged files into place, manifest last; drop files no longer listed."""
    names = list(names)
    previous = listed_names(folder / MANIFEST_NAME)
    for name in names:
        if temp_path(folder / name).exists():  # not yet switched (all of them, unless recovering)
            publish(folder / name)
    publish(folder / MANIFEST_NAME)
    fsync_dir(folder)
    for stale in sorted(set(previous) - set(names) - {MANIFEST_NAME}):
        (folder / stale).unlink(missing_ok=True)


def recover_set(folder: Path) -> str | None:
    """Finish a switch a killed run left half done, then remove every temporary file.

    Returns what was done (None when there was nothing to finish). The caller holds the run lock.
    """
    if not folder.is_dir():
        return None
    staged = temp_path(folder / MANIFEST_NAME)
    note = None
    if staged.is_file():
        files = _staged_files(staged)
        if files is not None and all(_present(folder, n, sha) for n, sha in files):
            switch(folder, [n for n, _ in files])
            note = f"finished publishing the set a killed run left half switched in {folder}"
    removed = remove_temps(folder)
    if note is None and removed:
        note = f"removed {len(removed)} temporary files a killed run left in {folder}"
    return note


def _staged_files(staged: Path) -> list[tuple[str, str]] | None:
    """(name, sha256) of every file a staged manifest lists; None when it is not a whole one."""
    try:
        doc = json.loads(staged.read_bytes())
        return [(str(f["name"]), str(f["sha256"])) for f in doc["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _present(folder: Path, name: str, sha: str) -> bool:
    """Whether `name` is there with the staged content: under its temporary name when that
    exists (not switched yet), else under its final name (already switched)."""
    path = temp_path(folder / name)
    if not path.is_file():
        path = folder / name
    return path.is_file() and sha256_file(path) == sha
