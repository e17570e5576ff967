"""Round trips: what the writer appends, the reader gives back exactly, in seq order."""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import archive
from archive import kinds

KINDS = [kinds.REPO_PULLS, kinds.REPO_COMMITS, kinds.COPILOT_SEATS, kinds.RUN_STARTED]


def _append(w: archive.ArchiveWriter, kind: str, body: bytes | None, i: int) -> archive.Event:
    return w.append(
        kind=kind,
        run_id="run-1",
        fetched_at=f"2026-11-{1 + i % 28:02d}T08:00:00.{i:06d}Z",
        enterprise_id="contoso",
        org="contoso-web",
        repo="contoso-web/app",
        request={"method": "GET", "url": f"https://api.github.com/x?page={i}", "page": i},
        response={"status": 200, "headers": {"etag": f'"{i}"'}, "elapsed_ms": 12},
        body=body,
        refs={"pull_number": i},
    )


bodies = st.one_of(
    st.none(),
    st.just(b""),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    st.binary(min_size=20_000, max_size=40_000),
)


@settings(max_examples=40)
@given(st.lists(st.tuples(st.sampled_from(KINDS), bodies), max_size=40))
def test_any_events_round_trip_across_segments(items: list[tuple[str, bytes | None]]) -> None:
    """Any bodies (non-UTF-8, empty, large) come back byte-identical, hashed and in seq order."""
    raw = Path(tempfile.mkdtemp()) / "raw"
    try:
        with archive.ArchiveWriter.open(raw, segment_bytes=600) as w:
            written = [_append(w, kind, body, i) for i, (kind, body) in enumerate(items)]
        got = list(archive.read_events(raw))
        assert got == written
        for ev, (_, body) in zip(got, items, strict=True):
            assert ev.body_bytes() == body
            assert ev.body_sha256 == (
                hashlib.sha256(body).hexdigest() if body is not None else None
            )
        assert [e.seq for e in got] == sorted({e.seq for e in got})
        assert archive.verify_archive(raw).ok
    finally:
        shutil.rmtree(raw.parent, ignore_errors=True)


def test_seq_continues_across_writers(tmp_path: Path) -> None:
    """A second writer continues the global seq after the last one stored."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        first = [_append(w, KINDS[i % 2], b"x", i).seq for i in range(3)]
    with archive.ArchiveWriter.open(raw) as w:
        second = [_append(w, KINDS[2], b"y", i).seq for i in range(2)]
    assert first + second == [1, 2, 3, 4, 5]


def test_segments_are_partitioned_and_sealed_read_only(tmp_path: Path) -> None:
    """Sealed segments sit under kind=<kind>/YYYY/MM/ with first-last seq names, read-only."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        _append(w, kinds.REPO_PULLS, b"[]", 0)
        _append(w, kinds.REPO_COMMITS, b"[]", 1)
    files = sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*.zst"))
    assert files == [
        "kind=repo.commits/2026/11/000000000002-000000000002.ndjson.zst",
        "kind=repo.pulls/2026/11/000000000001-000000000001.ndjson.zst",
    ]
    assert all(not (p.stat().st_mode & 0o222) for p in raw.rglob("*.zst"))
    assert (raw / "FORMAT").read_bytes() == b"ghmc archive format 1\n"


def test_segments_roll_at_the_size_limit_and_month(tmp_path: Path) -> None:
    """A segment is sealed when the next frame would pass the limit or the month changes."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw, segment_bytes=10_000) as w:
        for i in range(6):
            _append(w, kinds.REPO_PULLS, random.Random(i).randbytes(4000), i)
        w.append(
            kind=kinds.REPO_PULLS,
            run_id="r",
            fetched_at="2026-12-01T00:00:00.000000Z",
            request={},
            response={},
            body=b"december",
        )
    stats = archive.archive_stats(raw)
    assert stats.segments > 2
    assert (raw / "kind=repo.pulls/2026/12/000000000007-000000000007.ndjson.zst").exists()


def test_event_id_is_stable_and_unique(tmp_path: Path) -> None:
    """event_id depends only on run, seq, kind, fetch time and body hash."""
    from archive.envelope import make_event_id

    with archive.ArchiveWriter.open(tmp_path / "raw") as w:
        a = _append(w, kinds.REPO_PULLS, b"same", 0)
        b = _append(w, kinds.REPO_PULLS, b"same", 0)
    assert a.event_id != b.event_id
    assert a.event_id == make_event_id("run-1", a.seq, a.kind, a.fetched_at, a.body_sha256)


def test_secret_headers_never_stored(tmp_path: Path) -> None:
    """Authorization and cookies are dropped before an event is written."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        w.append(
            kind=kinds.REPO_PULLS,
            run_id="r",
            fetched_at="2026-11-01T00:00:00.000000Z",
            request={"headers": {"Authorization": "token ghp_secret", "Accept": "x"}},
            response={"status": 200, "headers": {"set-cookie": "s=1"}},
            body=b"{}",
        )
    ev = next(archive.read_events(raw))
    assert ev.request["headers"] == {"Accept": "x"}
    assert ev.response["headers"] == {}
    assert not any(b"ghp_secret" in p.read_bytes() for p in raw.rglob("*") if p.is_file())


def test_unknown_kind_and_bad_timestamp_are_refused(tmp_path: Path) -> None:
    """append refuses kinds outside the registry and fetched_at not in the UTC format."""
    with archive.ArchiveWriter.open(tmp_path / "raw") as w:
        with pytest.raises(ValueError, match="unknown event kind"):
            w.append(
                kind="archive.Foo",
                run_id="r",
                fetched_at="2026-11-01T00:00:00.000000Z",
                request={},
                response={},
            )
        with pytest.raises(ValueError, match="fetched_at"):
            w.append(
                kind=kinds.REPO_PULLS,
                run_id="r",
                fetched_at="2026-11-01 00:00",
                request={},
                response={},
            )


@pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd command not installed")
def test_sealed_segment_reads_with_zstd_cli(tmp_path: Path) -> None:
    """`zstd -dc segment | head` gives one JSON envelope per line, without ghmc."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        for i in range(3):
            _append(w, kinds.REPO_PULLS, b'{"n": %d}' % i, i)
    seg = next(raw.rglob("*.ndjson.zst"))
    out = subprocess.run(["zstd", "-dc", str(seg)], capture_output=True, check=True).stdout
    lines = out.splitlines()
    assert [orjson.loads(line)["seq"] for line in lines] == [1, 2, 3]
    assert orjson.loads(lines[0])["body"] == '{"n": 0}'
