"""Retention pruning: whole old segments go, their chain entries stay, unrecorded loss is damage."""

from __future__ import annotations

import random
import stat
from datetime import date
from pathlib import Path

import pytest

import archive
from archive import kinds
from archive.layout import PRUNED_NAME
from cli import main

Run = tuple[int, str, str]


def _fill(raw: Path) -> None:
    """36 events over three kinds, fetched in October, November and December (one a day)."""
    with archive.ArchiveWriter.open(raw, segment_bytes=600) as w:
        for i in range(36):
            w.append(
                kind=(kinds.REPO_PULLS, kinds.REPO_COMMITS, kinds.COPILOT_SEATS)[i % 3],
                run_id="r",
                fetched_at=f"2026-{10 + i // 12}-{1 + i % 12:02d}T08:00:00.000000Z",
                enterprise_id="contoso",
                request={},
                response={"status": 200},
                body=b'[{"id": %d}]' % i,
            )


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "raw"
    _fill(path)
    return path


def _cli_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'data_dir = "{tmp_path.as_posix()}/data"\n'
        '[[enterprises]]\nid = "contoso"\norgs = ["contoso-web"]\ntoken_env = "GHMC_TEST_TOKEN"\n',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(cfg), "verify"])
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_prune_removes_old_segments_and_keeps_the_chain(raw: Path) -> None:
    """Segments whose newest event is older than the date go; verify stays green, head unchanged."""
    head = archive.head_hash(raw)
    manifest = (raw / "MANIFEST.ndjson").read_bytes()
    before = archive.archive_stats(raw)
    report = archive.prune_segments(raw, date(2026, 11, 1))
    assert report.pruned and report.events > 0
    assert all(p.startswith("kind=") and "/2026/10/" in p for p in report.pruned)
    assert not any((raw / p).exists() for p in report.pruned)
    assert (raw / "MANIFEST.ndjson").read_bytes() == manifest  # never edited
    assert archive.head_hash(raw) == head
    verdict = archive.verify_archive(raw)
    assert verdict.ok, verdict.problems
    assert verdict.pruned_segments == len(report.pruned)
    after = archive.archive_stats(raw)
    assert after.events == before.events - report.events
    assert after.pruned_segments == len(report.pruned)
    assert after.head_hash == head


def test_pruned_events_no_longer_appear(raw: Path) -> None:
    """read_events / read_dicts / find_event / DuckDB skip pruned segments; newer ones remain."""
    old = [e for e in archive.read_events(raw) if e.fetched_at < "2026-11"]
    archive.prune_segments(raw, date(2026, 11, 1))
    left = list(archive.read_events(raw))
    assert left and all(e.fetched_at >= "2026-11" for e in left)
    assert [e.seq for e in left] == list(range(13, 37))
    assert archive.find_event(raw, old[0].event_id) is None
    assert archive.find_event(raw, left[0].event_id) == left[0]
    from archive import duck

    con = duck.connect(raw)
    try:
        row = con.execute("SELECT count(*), min(fetched_at) FROM events").fetchone()
    finally:
        con.close()
    assert row is not None and row[0] == 24 and str(row[1]) >= "2026-11"


def test_segment_straddling_the_cutoff_is_kept(raw: Path) -> None:
    """Only whole segments whose newest event is older go: a segment reaching the date stays."""
    report = archive.prune_segments(raw, date(2026, 10, 6))
    entries = {e.path: e for e in archive.manifest.load_manifest(raw)}
    assert all(entries[p].fetched_to < "2026-10-06" for p in report.pruned)
    kept = [e for p, e in entries.items() if p not in report.pruned]
    assert all(e.fetched_to >= "2026-10-06" for e in kept)
    assert {e.seq for e in archive.read_events(raw)} >= set(range(6, 37))
    assert archive.verify_archive(raw).ok


def test_prune_is_idempotent_and_extends(raw: Path) -> None:
    """Pruning again with the same date does nothing; a later date prunes more, chain extended."""
    first = archive.prune_segments(raw, date(2026, 11, 1))
    assert archive.prune_segments(raw, date(2026, 11, 1)).pruned == []
    second = archive.prune_segments(raw, date(2026, 12, 1))
    assert second.pruned and not set(second.pruned) & set(first.pruned)
    lines = (raw / PRUNED_NAME).read_bytes().splitlines()
    assert len(lines) == len(first.pruned) + len(second.pruned)
    assert archive.verify_archive(raw).ok
    assert all(e.fetched_at >= "2026-12" for e in archive.read_events(raw))


def test_writer_keeps_appending_after_pruning(raw: Path) -> None:
    """Seqs keep increasing after old segments are gone (they stay in the manifest)."""
    archive.prune_segments(raw, date(2026, 12, 31))
    with archive.ArchiveWriter.open(raw) as w:
        assert w.next_seq == 37
        w.append(
            kind=kinds.REPO_PULLS,
            run_id="r2",
            fetched_at="2027-01-02T08:00:00.000000Z",
            request={},
            response={},
            body=b"[]",
        )
    assert archive.verify_archive(raw).ok
    assert [e.seq for e in archive.read_events(raw)][-1] == 37


def test_unrecorded_removal_is_still_damage(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After pruning, deleting another segment by hand is reported as missing: exit 1."""
    monkeypatch.setenv("GHMC_TEST_TOKEN", "t")
    archive.prune_segments(raw, date(2026, 11, 1))
    assert _cli_verify(tmp_path, capsys)[0] == 0
    victim = next(p for p in sorted(raw.rglob("*.ndjson.zst")) if "/2026/11/" in p.as_posix())
    victim.unlink()
    code, _, err = _cli_verify(tmp_path, capsys)
    assert code == 1
    assert f"{victim.relative_to(raw).as_posix()}: listed in the manifest but missing" in err


def test_prune_refuses_to_cover_up_a_missing_segment(raw: Path) -> None:
    """A segment already gone before pruning is damage: nothing is recorded or removed."""
    entries = archive.manifest.load_manifest(raw)
    lost = next(e for e in entries if e.fetched_to < "2026-11")
    (raw / lost.path).unlink()
    before = sorted(raw.rglob("*.ndjson.zst"))
    with pytest.raises(archive.ArchiveDamaged, match="missing; nothing pruned"):
        archive.prune_segments(raw, date(2026, 11, 1))
    assert not (raw / PRUNED_NAME).exists()
    assert sorted(raw.rglob("*.ndjson.zst")) == before
    assert "listed in the manifest but missing" in (archive.verify_archive(raw).first_problem or "")


def test_prune_refuses_a_changed_segment(raw: Path) -> None:
    """A segment whose bytes differ from its entry is not deleted (the evidence is kept)."""
    entries = archive.manifest.load_manifest(raw)
    victim = raw / next(e for e in entries if e.fetched_to < "2026-11").path
    victim.chmod(stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(victim.read_bytes())
    data[-1] ^= 1
    victim.write_bytes(bytes(data))
    with pytest.raises(archive.ArchiveDamaged, match="sha256 differs"):
        archive.prune_segments(raw, date(2026, 11, 1))
    assert victim.exists()


def test_every_change_to_the_pruned_records_is_detected(raw: Path) -> None:
    """Flipping any byte of PRUNED.ndjson, or dropping/reordering its lines, fails verify."""
    archive.prune_segments(raw, date(2026, 11, 1))
    path = raw / PRUNED_NAME
    original = path.read_bytes()
    first = original.index(b"\n") + 1
    positions = [*range(first), *random.Random(4).sample(range(first, len(original)), 120)]
    for pos in positions:
        data = bytearray(original)
        data[pos] ^= 0x01
        path.write_bytes(bytes(data))
        assert not archive.verify_archive(raw).ok, f"flip at byte {pos} not detected"
    lines = original.splitlines(keepends=True)
    assert len(lines) >= 3
    for forged in (lines[1:], [lines[1], lines[0], *lines[2:]], lines[:-1], [*lines, lines[-1]]):
        path.write_bytes(b"".join(forged))
        assert not archive.verify_archive(raw).ok
    path.write_bytes(original)
    assert archive.verify_archive(raw).ok


def test_forged_record_for_a_recent_segment_is_detected(raw: Path) -> None:
    """A well-chained record naming a segment newer than its cutoff does not excuse its removal."""
    from archive.prune import _RecordAppender

    entries = archive.manifest.load_manifest(raw)
    recent = next(e for e in entries if e.fetched_to >= "2026-12")
    _RecordAppender(raw, []).append(recent, "2026-11-01")
    (raw / recent.path).unlink()
    problem = archive.verify_archive(raw).first_problem or ""
    assert "is not older than its cutoff" in problem


def test_interrupted_prune_is_finished(raw: Path) -> None:
    """Recorded but not yet removed: readers skip it, verify notes it, the next prune ends it."""
    from archive.prune import _RecordAppender

    entries = archive.manifest.load_manifest(raw)
    old = next(e for e in entries if e.fetched_to < "2026-11")
    _RecordAppender(raw, []).append(old, "2026-11-01")
    gone = [e for e in archive.read_events(raw, old.kind) if e.seq <= old.last_seq]
    assert not any(e.seq >= old.first_seq for e in gone)
    verdict = archive.verify_archive(raw)
    assert verdict.ok and any("interrupted prune" in n for n in verdict.notes)
    report = archive.prune_segments(raw, date(2026, 11, 1))
    assert report.finished == [old.path]
    assert not (raw / old.path).exists()
    assert archive.verify_archive(raw).ok


def test_torn_record_is_repaired(raw: Path) -> None:
    """A half-written record (a crash while pruning) fails verify until repair quarantines it."""
    archive.prune_segments(raw, date(2026, 11, 1))
    with (raw / PRUNED_NAME).open("ab") as fh:
        fh.write(b'{"n":99,"entry"')
    assert not archive.verify_archive(raw).ok
    report = archive.repair_archive(raw)
    assert report.quarantined
    assert archive.verify_archive(raw).ok


def test_pruning_an_empty_or_absent_archive(tmp_path: Path) -> None:
    """Nothing to prune is not an error; open segments are never pruned."""
    assert archive.prune_segments(tmp_path / "none", date(2030, 1, 1)).pruned == []
    raw = tmp_path / "raw"
    w = archive.ArchiveWriter.open(raw)
    w.append(
        kind=kinds.REPO_PULLS,
        run_id="r",
        fetched_at="2020-01-01T00:00:00.000000Z",
        request={},
        response={},
        body=b"x",
    )
    w._open[kinds.REPO_PULLS].close()  # abandoned, as a kill would leave it
    assert archive.prune_segments(raw, date(2030, 1, 1)).pruned == []
    assert [e.seq for e in archive.read_events(raw)] == [1]
