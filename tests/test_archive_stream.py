"""The fast read path: frame-by-frame decoding, the read-ahead thread, and foreign segments."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import stat
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard

import archive
from archive import kinds, stream


def _fill(raw: Path, n: int = 60, size: int = 3000) -> None:
    with archive.ArchiveWriter.open(raw, segment_bytes=20_000) as w:
        for i in range(n):
            w.append(
                kind=(kinds.REPO_PULLS, kinds.REPO_COMMITS, kinds.COPILOT_SEATS)[i % 3],
                run_id="r",
                fetched_at=f"2026-11-25T08:00:{i % 60:02d}.000000Z",
                request={"method": "GET"},
                response={"status": 200},
                body=(b'[{"id": %d, "t": "\\"q\\"\\n"}]' % i) * (size // 30)
                if i % 7
                else bytes(range(256)),  # not UTF-8: stored as base64
            )


def _decoded(raw: Path, *, ordered: bool = True) -> list[dict[str, Any]]:
    """Every sealed segment through the stream decoder alone: each entry is re-hashed to the
    file's current bytes, so what is tested is decoding, not the manifest check."""
    from archive.manifest import load_manifest

    per_kind: dict[str, list[stream.Segment]] = {}
    for entry in load_manifest(raw):
        data = (raw / entry.path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        rehashed = dataclasses.replace(entry, size=len(data), sha256=digest)
        per_kind.setdefault(entry.kind, []).append((raw / entry.path, rehashed))
    streams = [per_kind[k] for k in sorted(per_kind)]
    size = sum(p.stat().st_size for s in streams for p, _ in s)
    return list(stream.read_envelopes(streams, size, ordered=ordered))


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "raw"
    _fill(path)
    return path


def test_threaded_and_inline_reads_agree(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-ahead thread yields exactly what the inline path does, in seq order."""
    monkeypatch.setattr(stream, "THREAD_MIN", 1 << 60)
    inline = list(archive.read_dicts(raw))
    monkeypatch.setattr(stream, "THREAD_MIN", 0)
    monkeypatch.setattr(stream, "_BATCH", 10_000)
    threaded = list(archive.read_dicts(raw))
    assert threaded == inline
    assert [d["seq"] for d in threaded] == list(range(1, 61))
    events = list(archive.read_events(raw))
    assert all(
        e.body_bytes() is not None and e.body_size == len(e.body_bytes() or b"") for e in events
    )


def test_stopping_early_stops_the_thread(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaving the loop early ends the read-ahead thread (bounded queue, no leak)."""
    monkeypatch.setattr(stream, "THREAD_MIN", 0)
    monkeypatch.setattr(stream, "_BATCH", 1)
    before = threading.active_count()
    gen = archive.read_dicts(raw)
    assert next(gen)["seq"] == 1
    gen.close()
    assert threading.active_count() == before


def test_errors_in_the_thread_reach_the_reader(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A segment that cannot be read raises in the consumer, not silently in the thread."""
    monkeypatch.setattr(stream, "THREAD_MIN", 0)
    seg = sorted(raw.rglob("*.ndjson.zst"))[-1]
    seg.chmod(stat.S_IRUSR | stat.S_IWUSR)
    seg.write_bytes(b"not zstd at all")
    with pytest.raises(archive.ArchiveDamaged, match="no zstd frame"):
        _decoded(raw)


def test_damaged_sealed_segment_raises(raw: Path) -> None:
    """Garbage after the frames of a sealed segment does not decode, as with `zstd -dc`."""
    seg = sorted(raw.rglob("*.ndjson.zst"))[0]
    seg.chmod(stat.S_IRUSR | stat.S_IWUSR)
    seg.write_bytes(seg.read_bytes() + b"garbage!")
    with pytest.raises(archive.ArchiveDamaged, match="does not decompress"):
        _decoded(raw)
    with pytest.raises(archive.ArchiveDamaged, match=seg.name):
        list(archive.read_events(raw))


def test_segment_recompressed_as_one_frame_is_read(raw: Path) -> None:
    """Sealed segments recompressed by other tools (one frame, many lines) still decode, and the
    archive reader refuses them: their bytes are no longer the ones the manifest lists."""
    before = list(archive.read_dicts(raw))
    segments = sorted(raw.rglob("*.ndjson.zst"))
    for seg, sized in ((segments[0], True), (segments[1], False)):
        text = zstandard.ZstdDecompressor().stream_reader(seg.read_bytes()).read()
        cctx = zstandard.ZstdCompressor(level=19, write_content_size=sized)
        frame = cctx.compress(text) if sized else b"".join(cctx.read_to_iter(io.BytesIO(text)))
        assert zstandard.frame_content_size(frame) == (len(text) if sized else -1)
        seg.chmod(stat.S_IRUSR | stat.S_IWUSR)
        seg.write_bytes(frame)
    assert _decoded(raw) == before
    with pytest.raises(archive.ArchiveDamaged, match=r"segment kind=.* the manifest lists"):
        list(archive.read_dicts(raw))


def test_seq_of_reads_the_line_head() -> None:
    """Merging takes the seq from the line's opening bytes, or parses lines of another form."""
    assert stream.seq_of(b'{"v":1,"seq":42,"event_id":"x"}\n') == 42
    assert stream.seq_of(orjson.dumps({"kind": "k", "seq": 7})) == 7


def _reference(raw: Path) -> list[dict[str, object]]:
    """Every complete envelope, decoded the slow obvious way, in seq order."""
    from archive.segment import iter_sealed_lines, scan_open

    envs = [orjson.loads(ln) for seg in raw.rglob("*.ndjson.zst") for ln in iter_sealed_lines(seg)]
    envs += [orjson.loads(ln) for seg in raw.rglob("*.open") for ln in scan_open(seg)[1]]
    return sorted(envs, key=lambda e: int(str(e["seq"])))


@pytest.mark.parametrize("batch", [1, 700, 50_000])
def test_merge_matches_a_plain_decode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """Uneven kinds, sealed and open segments, tiny and large batches: same events, seq order."""
    monkeypatch.setattr(stream, "THREAD_MIN", 0)
    monkeypatch.setattr(stream, "_BATCH", batch)
    monkeypatch.setattr(stream, "_FIRST_BATCH", batch)
    raw = tmp_path / "raw"
    rng = __import__("random").Random(batch)
    w = archive.ArchiveWriter.open(raw, segment_bytes=4_000)
    for i in range(300):
        w.append(
            kind=rng.choice([kinds.REPO_PULLS] * 6 + [kinds.REPO_COMMITS] * 3 + [kinds.ORG_REPOS]),
            run_id="r",
            fetched_at=f"2026-{11 + i // 200}-01T08:00:00.{i:06d}Z",
            request={},
            response={},
            body=rng.randbytes(rng.choice([0, 10, 900, 70_000])) if i % 5 else None,
        )
    for seg in w._open.values():
        seg.close()  # the last segment of each kind left open, as a kill would leave it
    with (next(raw.rglob("*.open"))).open("ab") as fh:
        fh.write(b"\x28\xb5\x2f\xfd\x24torn")  # a torn tail
    got = list(archive.read_dicts(raw))
    assert got == _reference(raw)
    assert [d["seq"] for d in got] == sorted({int(str(d["seq"])) for d in got})


def test_append_tuner_prefers_the_faster_way_and_keeps_probing() -> None:
    """Large appends use whichever way (helper thread or in line) measured faster, re-trying
    the other one now and then; both ways write byte-identical frames."""
    from archive.writer import _Tuner

    tuner = _Tuner()
    assert tuner.pick() is True  # helper first, to measure it
    tuner.record(True, 3.0)
    assert tuner.pick() is False  # then in line
    tuner.record(False, 2.0)
    picks = [tuner.pick() for _ in range(3 * _Tuner.PROBE)]
    assert picks.count(True) == 3  # only the probes
    for _ in range(20):
        tuner.record(True, 1.0)
    assert tuner.pick() is True


def test_helper_and_inline_appends_store_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashing in the helper thread or in line gives identical segments."""
    from archive import writer

    body = b'[{"id": 1, "title": "\\"quoted\\"\\n\xc3\xa9"}]' * 5000
    stored = []
    for helper in (True, False):
        monkeypatch.setattr(writer._Tuner, "pick", lambda self, h=helper: h)
        raw = tmp_path / str(helper)
        with archive.ArchiveWriter.open(raw) as w:
            w.append(
                kind=kinds.REPO_PULLS,
                run_id="r",
                fetched_at="2026-11-25T08:00:00.000000Z",
                request={},
                response={},
                body=body,
            )
        stored.append([p.read_bytes() for p in sorted(raw.rglob("*.zst"))])
        assert archive.verify_archive(raw).ok
        assert next(archive.read_events(raw)).body_bytes() == body
    assert stored[0] == stored[1]


def test_unordered_read_gives_each_kind_in_seq_order(raw: Path) -> None:
    """`ordered=False` yields the same envelopes, kind after kind, each kind in seq order."""
    ordered = list(archive.read_dicts(raw))
    loose = list(archive.read_dicts(raw, ordered=False))
    assert sorted(loose, key=lambda d: int(str(d["seq"]))) == ordered
    kinds_seen = [d["kind"] for d in loose]
    assert kinds_seen == sorted(kinds_seen)
    for kind in set(kinds_seen):
        seqs = [int(str(d["seq"])) for d in loose if d["kind"] == kind]
        assert seqs == sorted(seqs)


def test_false_frame_cuts_fall_back_to_the_exact_path(
    raw: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frames are cut at zstd's magic number; where those bytes also occur inside a frame, zstd
    rejects the run and the frame headers are walked instead: the same envelopes come out."""
    before = list(archive.read_dicts(raw))
    monkeypatch.setattr(stream, "THREAD_MIN", 0)
    monkeypatch.setattr(stream, "MAGIC", b"\x28")  # cuts at every 0x28 byte: mostly wrong cuts
    assert list(archive.read_dicts(raw)) == before
    loose = list(archive.read_dicts(raw, ordered=False))
    assert sorted(loose, key=lambda d: int(str(d["seq"]))) == before


def test_truncated_sealed_segment_raises(raw: Path) -> None:
    """A sealed segment cut inside its last frame is a zstd error, not a silently short read."""
    seg = sorted(raw.rglob("*.ndjson.zst"))[0]
    seg.chmod(stat.S_IRUSR | stat.S_IWUSR)
    seg.write_bytes(seg.read_bytes()[:-7])
    with pytest.raises(archive.ArchiveDamaged, match="truncated"):
        _decoded(raw, ordered=False)
