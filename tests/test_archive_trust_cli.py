"""Projections and exports read only what verifies (issue 13 items 2, 5, 7), through the CLI.

A site is built once against the simulator (`daily`), copied per test, damaged in one way, and
the commands are run: each must stop with exit 1 naming the damage, leave metrics.db and every
published export file as they were, and leave recovery explicit.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from site_support import (
    build_site,
    copy_site,
    db_head,
    published,
    run,
    set_problems,
    simulator,
    token_env,
    tree_digest,
    writable,
)

import archive
from archive.manifest import load_manifest
from sim import Simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """One simulator for the module."""
    with simulator() as running:
        yield running


@pytest.fixture(scope="module")
def built(sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site after one complete `daily`."""
    return build_site(sim, tmp_path_factory.mktemp("site"), "daily")


@pytest.fixture
def site(built: Path, tmp_path: Path, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the built site; returns its config path."""
    for name, value in token_env(sim).items():
        monkeypatch.setenv(name, value)
    return copy_site(built, tmp_path / "site")


class Killed(BaseException):
    """Stands for a SIGKILL: nothing catches it."""


def _raw(cfg: Path) -> Path:
    return cfg.parent / "data" / "raw"


def _sealed(cfg: Path, kind: str = "") -> list[Path]:
    entries = load_manifest(_raw(cfg))
    return [_raw(cfg) / e.path for e in entries if kind in e.kind]


def _outputs(cfg: Path) -> dict[str, dict[str, str]]:
    """What a failed run must not change: metrics.db and both published export sets."""
    base = cfg.parent
    return {
        "db": tree_digest(base / "data")
        and {"metrics.db": tree_digest(base / "data")["metrics.db"]},
        "export": published(base / "data" / "export"),
        "onedrive": published(base / "onedrive"),
    }


def _rewrite_statuses(seg: Path) -> None:
    """Recompress a sealed segment with every `"failure"` turned into `"success"` (a forger's
    edit: valid zstd, valid JSON, different bytes)."""
    text = zstandard.ZstdDecompressor().stream_reader(seg.read_bytes()).read()
    forged = text.replace(b'\\"failure\\"', b'\\"success\\"').replace(b'"failure"', b'"success"')
    writable(seg).write_bytes(zstandard.ZstdCompressor(level=3).compress(forged))


def _refused_everywhere(cfg: Path, capsys: pytest.CaptureFixture[str], needle: str) -> None:
    """project, replay and export exit 1 naming the damage; nothing they write changes."""
    before = _outputs(cfg)
    for args in (("project",), ("replay", "--from", "2020-01-01"), ("export",)):
        assert run(cfg, *args) == 1, args
        err = capsys.readouterr().err
        assert needle in err, (args, err)
    assert _outputs(cfg) == before


def test_rewritten_segment_stops_project_replay_export(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sealed segment rewritten by a forger (manifest untouched) stops every reader, exit 1."""
    seg = _sealed(site, "repo.")[0]
    _rewrite_statuses(seg)
    _refused_everywhere(site, capsys, seg.name)


def test_same_size_edit_is_caught_by_the_incremental_project(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A one-byte edit keeps the size and the head: `project` (nothing new to do) still fails."""
    assert run(site, "project") == 0
    assert "up to date" in capsys.readouterr().out
    seg = _sealed(site)[-1]
    data = bytearray(seg.read_bytes())
    data[len(data) // 2] ^= 0x01
    writable(seg).write_bytes(bytes(data))
    _refused_everywhere(site, capsys, "differs from its sha256")


def test_emptied_manifest_stops_readers_and_the_next_daily(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An emptied MANIFEST.ndjson beside its segments: exit 1 everywhere, and `daily` starts no
    new chain at seq 1 (nothing is added to the archive)."""
    (_raw(site) / "MANIFEST.ndjson").write_bytes(b"")
    _refused_everywhere(site, capsys, "not in the manifest")
    raw_before = tree_digest(_raw(site))
    outputs = _outputs(site)
    assert run(site, "daily") == 1
    out = capsys.readouterr().out
    assert "ingest   FAILED: archive damaged" in out
    assert "project  FAILED" in out and "export   FAILED" in out
    assert tree_digest(_raw(site)) == raw_before
    assert _outputs(site) == outputs


def test_deleted_manifest_stops_readers(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A deleted MANIFEST.ndjson is the same damage as an emptied one."""
    (_raw(site) / "MANIFEST.ndjson").unlink()
    _refused_everywhere(site, capsys, "MANIFEST.ndjson is empty or missing")


def test_edited_manifest_line_stops_readers(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A hand-edited manifest line breaks the chain: exit 1 naming the line."""
    path = _raw(site) / "MANIFEST.ndjson"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"events":', b'"events": ')
    path.write_bytes(b"".join(lines))
    _refused_everywhere(site, capsys, "line 2")


def test_rolled_back_archive_is_refused_by_lineage(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A consistent archive that lost its newest segment and manifest line (rolled back) still
    verifies, but metrics.db and the published export were built from a head it no longer holds."""
    path = _raw(site) / "MANIFEST.ndjson"
    lines = path.read_bytes().splitlines(keepends=True)
    last = json.loads(lines[-1])
    writable(_raw(site) / last["path"]).unlink()
    path.write_bytes(b"".join(lines[:-1]))
    assert run(site, "verify") == 0
    capsys.readouterr()
    _refused_everywhere(site, capsys, "archive lost or replaced")


def test_unlisted_segment_stops_readers(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sealed segment slipped in beside the listed ones is damage."""
    seg = _sealed(site)[0]
    extra = seg.with_name("999999999990-999999999999.ndjson.zst")
    shutil.copyfile(seg, extra)
    _refused_everywhere(site, capsys, extra.name)


def test_lost_raw_folder(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """data/raw gone while metrics.db, backups and logs remain: `verify` says lost (exit 1) and
    nothing is rebuilt or published from the empty archive."""
    shutil.rmtree(_raw(site))
    assert run(site, "verify") == 1
    assert "archive lost" in capsys.readouterr().err
    _refused_everywhere(site, capsys, "archive lost or replaced")


def test_lost_raw_folder_is_not_replaced_by_a_new_chain(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """data/raw gone: `daily`'s ingest refuses to start a new archive (exit 1, nothing created
    in data/raw), so a restore from the backup mirror stays possible and nothing is published."""
    shutil.rmtree(_raw(site))
    outputs = _outputs(site)
    assert run(site, "daily") == 1
    out = capsys.readouterr().out
    assert "ingest   FAILED: archive lost" in out
    assert not _raw(site).exists() or tree_digest(_raw(site)) == {}
    assert _outputs(site) == outputs
    assert run(site, "ingest") == 1
    assert "Nothing was collected" in capsys.readouterr().err


def test_audit_sql_reads_only_a_verified_archive(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The auditors' console refuses a rewritten segment (exit 1 naming it), like project."""
    assert run(site, "audit", "sql", "SELECT count(*) FROM events") == 0
    capsys.readouterr()
    seg = _sealed(site, "repo.")[0]
    _rewrite_statuses(seg)
    assert run(site, "audit", "sql", "SELECT count(*) FROM events") == 1
    assert seg.name in capsys.readouterr().err


def test_fresh_install_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No data folder, or an empty data/raw, is a fresh install: `verify` exits 0."""
    cfg = tmp_path / "config.toml"
    cfg.write_text('data_dir = "data"\n[[enterprises]]\nid = "e"\ntoken_env = "T"\norgs = ["o"]\n')
    assert run(cfg, "verify") == 0
    assert "no archive yet" in capsys.readouterr().out
    (tmp_path / "data" / "raw").mkdir(parents=True)
    assert run(cfg, "verify") == 0


def test_restore_from_the_backup_mirror(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The documented recovery: copy backup/raw back to data/raw, then everything verifies and
    `project` is up to date with the head metrics.db was built from."""
    shutil.rmtree(_raw(site))
    shutil.copytree(site.parent / "backup" / "raw", _raw(site))
    assert run(site, "verify") == 0
    assert run(site, "project") == 0
    assert "up to date" in capsys.readouterr().out
    assert run(site, "export") == 0


def test_export_lineage_is_metrics_db_head(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After `ingest` without `project`, the export names the head metrics.db was built from."""
    built_from = db_head(site.parent / "data" / "metrics.db")
    assert run(site, "ingest") == 0
    live = archive.head_hash(_raw(site))
    assert live != built_from
    assert run(site, "export") == 0
    for folder in ("data/export", "onedrive"):
        doc = json.loads((site.parent / folder / "manifest.json").read_bytes())
        assert doc["archive_head"] == built_from


def test_export_lineage_when_project_fails_in_daily(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When `project` fails inside `daily`, the export still names metrics.db's head."""
    import projections

    def broken(*_args: object, **_kwargs: object) -> None:
        raise projections.ProjectionError("disk full (test)")

    built_from = db_head(site.parent / "data" / "metrics.db")
    monkeypatch.setattr(projections, "project", broken)
    assert run(site, "daily") == 1
    out = capsys.readouterr().out
    assert "project  FAILED: disk full (test)" in out
    assert archive.head_hash(_raw(site)) != built_from
    doc = json.loads((site.parent / "data" / "export" / "manifest.json").read_bytes())
    assert doc["archive_head"] == built_from


def test_leftover_temps_are_removed_by_the_next_run(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Temp files of a killed export (export folder, OneDrive, an earlier day's dated copy) and
    of a killed `project` are gone after the next run of each."""
    data = site.parent / "data"
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    (data / "export" / "history" / yesterday).mkdir()
    leftovers = [
        data / "export" / ".ghmc-tmp-copilot_seats.csv.gz",
        site.parent / "onedrive" / ".ghmc-tmp-copilot_seats.csv.gz",
        data / "export" / "history" / yesterday / ".ghmc-tmp-manifest.json",
        data / ".metrics.db.999999999.tmp",
        data / ".metrics.db.999999999.part.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b"half")
    assert run(site, "project") == 0  # nothing to rebuild: the leftovers go all the same
    assert "up to date" in capsys.readouterr().out
    assert run(site, "export") == 0
    assert [p for p in leftovers if p.exists()] == []
    assert set_problems(data / "export") == [] and set_problems(site.parent / "onedrive") == []


def test_half_switched_set_is_finished_first(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export killed between renames leaves a mixed set; the next run, even one that then
    refuses to export, first finishes the switch so the folder holds the new set whole."""
    import export.publish as publish_mod

    assert run(site, "ingest") == 0
    assert run(site, "project") == 0
    renamed = 0
    real = publish_mod.publish

    def dies_after_three(dest: Path) -> None:
        nonlocal renamed
        if renamed == 3:
            raise Killed  # stands for SIGKILL between two renames
        renamed += 1
        real(dest)

    monkeypatch.setattr(publish_mod, "publish", dies_after_three)
    with pytest.raises(Killed):
        run(site, "export")
    monkeypatch.undo()
    folder = site.parent / "data" / "export"
    assert set_problems(folder) != []  # the mix a flat folder shows until the next run
    (_raw(site) / "MANIFEST.ndjson").write_bytes(b"")  # the next export will be refused...
    assert run(site, "export") == 1
    assert set_problems(folder) == []  # ...but the killed run's set was finished first
    assert not list(folder.glob(".ghmc-tmp-*"))
