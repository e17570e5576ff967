"""Reading: global seq order across partitions, filters, and partitions skipped unopened."""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import archive
from archive import kinds


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """An archive of 30 events over three kinds, two enterprises and November/December."""
    path = tmp_path / "raw"
    with archive.ArchiveWriter.open(path, segment_bytes=800) as w:
        for i in range(30):
            w.append(
                kind=(kinds.REPO_PULLS, kinds.REPO_COMMITS, kinds.COPILOT_SEATS)[i % 3],
                run_id="r",
                fetched_at=f"2026-{11 + i // 15}-{1 + i % 15:02d}T08:00:00.000000Z",
                enterprise_id=("contoso", "fabrikam")[i % 2],
                org="web",
                repo=f"web/app{i % 4}",
                request={},
                response={"status": 200},
                body=b"%d" % i,
            )
    return path


def test_events_come_in_global_seq_order(raw: Path) -> None:
    """Events of all kinds are merged into one strictly increasing seq order."""
    assert [e.seq for e in archive.read_events(raw)] == list(range(1, 31))


def test_filters_select_kind_scope_and_fetch_window(raw: Path) -> None:
    """kinds, enterprise_id, org, repo and the half-open fetch window all filter."""
    got = archive.read_events(
        raw,
        {kinds.REPO_PULLS, kinds.REPO_COMMITS},
        enterprise_id="contoso",
        repo="web/app0",
        fetched_from=date(2026, 11, 1),
        fetched_to=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert [e.seq for e in got] == [1, 5, 13]
    assert [e.seq for e in archive.read_events(raw, "copilot.seats", fetched_from="2026-12")] == [
        18,
        21,
        24,
        27,
        30,
    ]


def test_other_kinds_are_never_opened(raw: Path) -> None:
    """Reading one kind does not touch other partitions (a damaged one does not matter)."""
    for seg in (raw / f"kind={kinds.REPO_COMMITS}").rglob("*.zst"):
        seg.chmod(stat.S_IWUSR)  # unreadable: opening it would fail
    got = list(archive.read_events(raw, [kinds.REPO_PULLS]))
    assert [e.seq for e in got] == list(range(1, 31, 3))


def test_segments_outside_the_fetch_window_are_skipped(raw: Path) -> None:
    """Sealed segments whose fetch range misses the window are not opened."""
    for seg in (raw / f"kind={kinds.REPO_PULLS}" / "2026" / "11").glob("*.zst"):
        seg.chmod(stat.S_IWUSR)
    got = list(archive.read_events(raw, [kinds.REPO_PULLS], fetched_from="2026-12-01"))
    assert got and all(e.fetched_at >= "2026-12" for e in got)


def test_read_dicts_is_the_raw_form_of_read_events(raw: Path) -> None:
    """read_dicts yields the decoded envelopes that read_events wraps."""
    dicts = list(archive.read_dicts(raw))
    assert [archive.Event.from_dict(d) for d in dicts] == list(archive.read_events(raw))


def test_head_hash_and_stats(raw: Path) -> None:
    """head_hash is the last manifest entry's hash; stats add up per kind."""
    stats = archive.archive_stats(raw)
    assert stats.head_hash == archive.head_hash(raw) != archive.GENESIS
    assert stats.events == 30 and sum(k.events for k in stats.per_kind.values()) == 30
    assert stats.bytes_raw == sum(len(b"%d" % i) for i in range(30))


def test_empty_archive_reads_nothing(tmp_path: Path) -> None:
    """A data folder with no archive yet reads as empty."""
    assert list(archive.read_events(tmp_path / "raw")) == []
    assert archive.head_hash(tmp_path / "raw") == archive.GENESIS
