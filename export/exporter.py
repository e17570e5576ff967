"""`export_tables`: metrics.db → `<table>.csv.gz` + manifest.json, OneDrive copy, dated copies.

Order of work, so that a run killed at any moment leaves every folder with the old set or the
new one (`export.publish`: stage, commit point, switch; a half-done switch is finished first
thing by the next run):

0. in every target folder, finish what a killed run left (`publish.recover_set`);
1. refuse to publish from an archive that does not verify (`raw_dir` given): the archive must
   check out against its manifest, and must still hold the head metrics.db was built from and
   the heads of the sets already published (`archive.checked_head`) — a damaged, lost or
   replaced archive never replaces a published file;
2. render every table into `.ghmc-tmp-<table>.csv.gz` in the export folder (the long part);
3. stage the manifest, then switch: every table file renamed into place, the manifest last;
4. the same in the OneDrive folder: copy to temporary names (sha256-checked), stage, switch;
5. a dated copy under `history/YYYY-MM-DD/` (same three phases), and pruning of copies older
   than `keep_days`.

The manifest's `archive_head` is the head metrics.db was built from (its `_meta`), not the live
archive's: after `ingest` without `project`, or a failed `project`, the two differ.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import archive
from archive.durable import copy_to_temp, open_temp, sha256_file, temp_path
from export import manifest, parquet
from export.cleanup import HISTORY_DIR, prune_dated_dirs
from export.csvgz import PIECE_ROWS, PieceQuery, header_line, plan_pieces, render_piece
from export.errors import ExportError, database_error, storage_error
from export.gzipframe import HEADER, LEVEL, Piece, crc32_combine, trailer
from export.manifest import MANIFEST_NAME, ExportedFile, Lineage
from export.publish import recover_set, stage_manifest, switch
from export.schema import TableSpec, connect_readonly, exported_tables, table_spec

POOL_MIN_ROWS = 200_000
"""Below this many rows in total, rendering in-process beats starting worker processes."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What an export wrote and where."""

    out_dir: Path
    files: tuple[ExportedFile, ...]
    manifest_path: Path
    onedrive_dir: Path | None
    history_dir: Path | None
    pruned: tuple[Path, ...]
    archive_head: str | None

    @property
    def rows(self) -> int:
        """Rows exported over all tables (each table counted once, whatever its formats)."""
        return sum(f.rows for f in self.files if f.format == "csv.gz")


@dataclass(frozen=True, slots=True)
class _Plan:
    spec: TableSpec
    rows: int
    pieces: list[PieceQuery]


PieceSource = Callable[[int, int], Piece]
"""Returns piece j of plan i (rendered here or waited for from a worker)."""


def export_tables(  # noqa: PLR0917 - the positional order is the documented API
    db_path: Path,
    out_dir: Path,
    onedrive_dir: Path | None = None,
    keep_days: int = 90,
    head_hash: str | None = None,
    today: date | None = None,
    *,
    raw_dir: Path | None = None,
    formats: tuple[str, ...] = ("csv.gz",),
    workers: int | None = None,
    piece_rows: int = PIECE_ROWS,
) -> ExportReport:
    """Export every non-internal table of metrics.db as `<table>.csv.gz` plus manifest.json.

    `raw_dir`: the archive, checked before anything is published (see the module doc).
    `formats`: `csv.gz` always; with `parquet`, a typed `<table>.parquet` of the same rows joins
    the same set (same manifest, same switch, same OneDrive and dated copies).
    `head_hash`: the lineage to record when metrics.db names none (older files, tests).
    `workers`: processes that render pieces (None: one per CPU when the export is large enough
    to gain from it; 0: render in this process). The bytes written do not depend on it.
    `keep_days` ≤ 0 keeps no dated copy. Raises ExportError (nothing published is replaced).
    """
    db_path, out_dir = Path(db_path), Path(out_dir)
    today = today or datetime.now(UTC).date()  # the UTC day, as `daily` (design §5: UTC days)
    targets = [out_dir] + ([Path(onedrive_dir)] if onedrive_dir else [])
    for folder in targets:
        _prepare(folder)
    _recover_history(out_dir / HISTORY_DIR)
    if not db_path.is_file():
        raise ExportError(f"{db_path} does not exist: run `ghmc project` first, then export.")
    plans, definitions, lineage = _read_plans(db_path, piece_rows)
    if raw_dir is not None:
        _check_archive(Path(raw_dir), lineage, targets)
    head_hash = lineage.head or head_hash
    files = _render_tables(db_path, out_dir, plans, workers)
    if "parquet" in formats:
        files += _write_parquet(db_path, out_dir, plans)
    manifest_bytes = manifest.build(files, head_hash, definitions)
    names = [f.name for f in files]
    _publish_local(out_dir, names, manifest_bytes)
    if onedrive_dir is not None:
        _mirror(out_dir, Path(onedrive_dir), files, manifest_bytes)
    history, pruned = _keep_history(out_dir, files, manifest_bytes, keep_days, today)
    return ExportReport(
        out_dir=out_dir,
        files=tuple(files),
        manifest_path=out_dir / MANIFEST_NAME,
        onedrive_dir=Path(onedrive_dir) if onedrive_dir else None,
        history_dir=history,
        pruned=tuple(pruned),
        archive_head=head_hash,
    )


def _check_archive(raw_dir: Path, lineage: Lineage, targets: list[Path]) -> None:
    """Refuse (ExportError) unless the archive verifies and holds every head this export builds
    on: the ones metrics.db was built from and the ones of the sets already published."""
    heads = [*lineage.heads, *(manifest.published_head(t / MANIFEST_NAME) for t in targets)]
    try:
        archive.checked_head(raw_dir, heads)
    except archive.ArchiveError as exc:
        raise ExportError(f"export refused, nothing published was replaced: {exc}") from exc


def _read_plans(db_path: Path, piece_rows: int) -> tuple[list[_Plan], manifest.JSONValue, Lineage]:
    try:
        conn = connect_readonly(db_path)
        try:
            conn.execute("BEGIN")  # one snapshot for counts, boundaries and lineage
            plans = []
            for name in exported_tables(conn):
                spec = table_spec(conn, name)
                rows, pieces = plan_pieces(conn, spec, piece_rows)
                plans.append(_Plan(spec, rows, pieces))
            definitions = manifest.read_definitions(conn)
            lineage = manifest.read_lineage(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise database_error(db_path, exc) from exc
    return plans, definitions, lineage


def _prepare(folder: Path) -> None:
    """Create the folder; finish (or clear) what a killed export left in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        recover_set(folder)
    except OSError as exc:
        raise storage_error("prepare", folder, exc) from exc


def _render_tables(
    db_path: Path, out_dir: Path, plans: list[_Plan], workers: int | None
) -> list[ExportedFile]:
    total = sum(p.rows for p in plans)
    if workers is None:
        cpus = os.cpu_count() or 1
        pieces = sum(len(p.pieces) for p in plans)
        workers = min(cpus, pieces) if total >= POOL_MIN_ROWS and cpus > 1 else 0
    headers = [header_line(p.spec) for p in plans]
    db = str(db_path)
    try:
        if workers <= 0:

            def local(i: int, j: int) -> Piece:
                last = j == len(plans[i].pieces) - 1
                head = headers[i] if j == 0 else ""
                return render_piece(db, plans[i].pieces[j], head, last, LEVEL)

            return [_write_table(out_dir, p, i, local) for i, p in enumerate(plans)]
        # spawn, not fork: the daily job may have threads running (fork would copy their locks),
        # and it is what Windows does anyway, so one behaviour is tested everywhere.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures: dict[tuple[int, int], Future[Piece]] = {}
            for i in sorted(range(len(plans)), key=lambda k: -plans[k].rows):
                count = len(plans[i].pieces)
                for j, query in enumerate(plans[i].pieces):
                    head = headers[i] if j == 0 else ""
                    futures[i, j] = pool.submit(
                        render_piece, db, query, head, j == count - 1, LEVEL
                    )

            def remote(i: int, j: int) -> Piece:
                return futures.pop((i, j)).result()

            try:
                return [_write_table(out_dir, p, i, remote) for i, p in enumerate(plans)]
            except BaseException:
                for future in futures.values():
                    future.cancel()
                raise
    except sqlite3.Error as exc:
        raise database_error(db_path, exc) from exc


def _write_parquet(db_path: Path, out_dir: Path, plans: list[_Plan]) -> list[ExportedFile]:
    """Write `<table>.parquet` for every table under its temporary name (see export.parquet)."""
    written: list[ExportedFile] = []
    try:
        conn = connect_readonly(db_path)
        try:
            for plan in plans:
                dest = out_dir / f"{plan.spec.name}.parquet"
                with open_temp(dest) as fh:
                    rows = parquet.write_parquet(conn, plan.spec, fh)
                tmp = temp_path(dest)
                written.append(
                    ExportedFile(
                        table=plan.spec.name,
                        name=dest.name,
                        rows=rows,
                        bytes=tmp.stat().st_size,
                        sha256=sha256_file(tmp),
                        key=plan.spec.key if plan.spec.has_primary_key else (),
                        columns=parquet.manifest_columns(plan.spec),
                        format="parquet",
                    )
                )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise database_error(db_path, exc) from exc
    except OSError as exc:
        raise storage_error("write", out_dir, exc) from exc
    return written


def _write_table(out_dir: Path, plan: _Plan, index: int, source: PieceSource) -> ExportedFile:
    dest = out_dir / plan.spec.file_name
    digest = hashlib.sha256(HEADER)
    crc = size = rows = 0
    written = len(HEADER)
    try:
        with open_temp(dest) as fh:
            fh.write(HEADER)
            for j in range(len(plan.pieces)):
                piece = source(index, j)
                fh.write(piece.data)
                digest.update(piece.data)
                written += len(piece.data)
                crc = crc32_combine(crc, piece.crc, piece.size)
                size += piece.size
                rows += piece.rows
            tail = trailer(crc, size)
            fh.write(tail)
            digest.update(tail)
            written += len(tail)
    except OSError as exc:
        raise storage_error("write", temp_path(dest), exc) from exc
    return ExportedFile(
        table=plan.spec.name,
        name=dest.name,
        rows=rows,
        bytes=written,
        sha256=digest.hexdigest(),
        key=plan.spec.key if plan.spec.has_primary_key else (),
        columns=plan.spec.columns,
    )


def _publish_local(out_dir: Path, names: list[str], manifest_bytes: bytes) -> None:
    """Stage the manifest (the rendered files are staged already), then switch the set."""
    try:
        stage_manifest(out_dir, manifest_bytes)
        switch(out_dir, names)
    except OSError as exc:
        raise storage_error("publish into", out_dir, exc) from exc


def _mirror(out_dir: Path, target: Path, files: list[ExportedFile], manifest_bytes: bytes) -> None:
    """Copy the published export into `target` (e.g. OneDrive) with the same guarantees."""
    try:
        for f in files:
            copied = copy_to_temp(out_dir / f.name, target / f.name)
            if copied != f.sha256:
                temp_path(target / f.name).unlink(missing_ok=True)
                raise ExportError(
                    f"copy of {f.name} to {target} does not match its sha256; nothing there was "
                    "replaced: check the disk and run `ghmc export` again."
                )
        stage_manifest(target, manifest_bytes)
        switch(target, [f.name for f in files])
    except OSError as exc:
        raise storage_error("copy the export into", target, exc) from exc


def _recover_history(history_root: Path) -> None:
    """Finish (or clear) what a killed export left in any dated copy, not only today's."""
    try:
        days = sorted(d for d in history_root.iterdir() if d.is_dir())
        for folder in days:
            recover_set(folder)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise storage_error("prepare", history_root, exc) from exc


def _keep_history(
    out_dir: Path,
    files: list[ExportedFile],
    manifest_bytes: bytes,
    keep_days: int,
    today: date,
) -> tuple[Path | None, list[Path]]:
    history_root = out_dir / HISTORY_DIR
    try:
        pruned = prune_dated_dirs(history_root, keep_days, today)
        if keep_days <= 0:
            return None, pruned
        folder = history_root / today.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            copy_to_temp(out_dir / f.name, folder / f.name)
        stage_manifest(folder, manifest_bytes)
        switch(folder, [f.name for f in files])
    except OSError as exc:
        raise storage_error("keep a dated copy in", history_root, exc) from exc
    return folder, pruned
