"""Tamper evidence: `ghmc verify` exits 1 naming the damage for any change to any archive file."""

from __future__ import annotations

import hashlib
import random
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import archive
from archive import kinds
from cli import main

Run = tuple[int, str, str]


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'data_dir = "{tmp_path.as_posix()}/data"\n'
        '[[enterprises]]\nid = "contoso"\norgs = ["contoso-web"]\ntoken_env = "GHMC_TEST_TOKEN"\n',
        encoding="utf-8",
    )
    return cfg


def _fill(raw: Path, n: int = 12, segment_bytes: int = 700) -> None:
    with archive.ArchiveWriter.open(raw, segment_bytes=segment_bytes) as w:
        for i in range(n):
            w.append(
                kind=(kinds.REPO_PULLS, kinds.REPO_COMMITS, kinds.COPILOT_SEATS)[i % 3],
                run_id="run-1",
                fetched_at=f"2026-11-25T08:00:{i:02d}.000000Z",
                enterprise_id="contoso",
                org="contoso-web",
                request={"method": "GET", "url": f"https://api.github.com/p?page={i}"},
                response={"status": 200},
                body=b'[{"id": %d, "title": "change %d"}]' % (i, i),
            )


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A config and an archive of a dozen events in several sealed segments."""
    monkeypatch.setenv("GHMC_TEST_TOKEN", "t")
    cfg = _config(tmp_path)
    raw = tmp_path / "data" / "raw"
    _fill(raw)
    return cfg, raw


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def _verify(capsys: pytest.CaptureFixture[str], cfg: Path) -> Run:
    return cli(capsys, "--config", str(cfg), "verify")


def _writable(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def _flipped(path: Path, positions: list[int]) -> Iterator[int]:
    """Flip each position in turn (xor 0x01, then restore), yielding it while flipped."""
    _writable(path)
    original = path.read_bytes()
    for pos in positions:
        data = bytearray(original)
        data[pos] ^= 0x01
        path.write_bytes(bytes(data))
        yield pos
    path.write_bytes(original)


def _segments(raw: Path) -> list[Path]:
    return sorted(raw.rglob("*.ndjson.zst"))


def test_intact_archive_verifies(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """An untouched archive exits 0 and says intact with the head hash."""
    cfg, raw = setup
    code, out, _ = _verify(capsys, cfg)
    assert code == 0
    assert "archive intact" in out
    assert archive.head_hash(raw) in out


def test_every_byte_flip_of_a_segment_is_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Flipping any single byte of a whole (small) segment makes verify exit 1 naming it."""
    cfg, raw = setup
    seg = _segments(raw)[0]
    name = seg.relative_to(raw).as_posix()
    for pos in _flipped(seg, list(range(seg.stat().st_size))):
        code, _, err = _verify(capsys, cfg)
        assert code == 1, f"flip at byte {pos} not detected"
        assert name in err


def test_sampled_byte_flips_in_all_segments_are_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Random single-byte flips anywhere in any segment are detected."""
    cfg, raw = setup
    rng = random.Random(5)
    for seg in _segments(raw):
        positions = rng.sample(range(seg.stat().st_size), 15)
        for pos in _flipped(seg, positions):
            assert _verify(capsys, cfg)[0] == 1, f"{seg.name} flip at {pos} not detected"


def test_every_byte_flip_of_manifest_and_format_is_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Flipping any byte of FORMAT, of the first and last manifest lines, or sampled between."""
    cfg, raw = setup
    fmt = raw / "FORMAT"
    for pos in _flipped(fmt, list(range(fmt.stat().st_size))):
        code, _, err = _verify(capsys, cfg)
        assert code == 1 and "FORMAT" in err, f"FORMAT flip at {pos} not detected"
    manifest = raw / "MANIFEST.ndjson"
    data = manifest.read_bytes()
    first, last = data.index(b"\n") + 1, data.rindex(b"\n", 0, len(data) - 1) + 1
    middle = random.Random(3).sample(range(first, last), min(150, last - first))
    positions = [*range(first), *middle, *range(last, len(data))]
    for pos in _flipped(manifest, positions):
        assert _verify(capsys, cfg)[0] == 1, f"manifest flip at {pos} not detected"
    assert _verify(capsys, cfg)[0] == 0


def test_removed_segment_is_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Deleting a sealed segment is named as missing."""
    cfg, raw = setup
    seg = _segments(raw)[1]
    seg.unlink()
    code, _, err = _verify(capsys, cfg)
    assert code == 1
    assert f"{seg.relative_to(raw).as_posix()}: listed in the manifest but missing" in err


def test_added_segment_is_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A valid segment from another archive dropped in is named as unlisted."""
    cfg, raw = setup
    other = tmp_path / "other"
    with archive.ArchiveWriter.open(other) as w:
        w._next_seq = 500
        w.append(
            kind=kinds.REPO_PULLS,
            run_id="x",
            fetched_at="2026-11-25T09:00:00.000000Z",
            request={},
            response={},
            body=b"forged",
        )
    forged = next(other.rglob("*.ndjson.zst"))
    target = raw / forged.relative_to(other)
    shutil.copy(forged, target)
    code, _, err = _verify(capsys, cfg)
    assert code == 1
    assert "not listed in the manifest" in err


def test_reordered_manifest_lines_are_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Swapping two manifest lines breaks the chain at the first of them."""
    cfg, raw = setup
    manifest = raw / "MANIFEST.ndjson"
    lines = manifest.read_bytes().splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    manifest.write_bytes(b"".join(lines))
    code, _, err = _verify(capsys, cfg)
    assert code == 1
    assert "MANIFEST.ndjson line 2" in err


def test_dropped_last_manifest_line_is_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Removing the last manifest line leaves its segment unlisted."""
    cfg, raw = setup
    manifest = raw / "MANIFEST.ndjson"
    lines = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(b"".join(lines[:-1]))
    code, _, err = _verify(capsys, cfg)
    assert code == 1
    assert "not listed in the manifest" in err


@pytest.mark.parametrize("target", ["segment", "manifest", "format"])
def test_truncation_is_detected(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], target: str
) -> None:
    """Cutting bytes off the end of a segment, the manifest or FORMAT is detected."""
    cfg, raw = setup
    path = {
        "segment": _segments(raw)[0],
        "manifest": raw / "MANIFEST.ndjson",
        "format": raw / "FORMAT",
    }[target]
    _writable(path)
    for cut in (1, 7):
        data = path.read_bytes()
        path.write_bytes(data[:-cut])
        assert _verify(capsys, cfg)[0] == 1, f"{target} truncated by {cut} not detected"
        path.write_bytes(data)


def test_duplicate_seq_across_kinds_is_detected(tmp_path: Path) -> None:
    """Two events with the same seq in different partitions are reported."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        w.append(
            kind=kinds.REPO_PULLS,
            run_id="r",
            fetched_at="2026-11-25T08:00:00.000000Z",
            request={},
            response={},
            body=b"a",
        )
        w._next_seq = 1
        w.append(
            kind=kinds.REPO_COMMITS,
            run_id="r",
            fetched_at="2026-11-25T08:00:00.000000Z",
            request={},
            response={},
            body=b"b",
        )
    report = archive.verify_archive(raw)
    assert not report.ok
    assert "seq 1 is not after seq 1" in (report.first_problem or "")


def test_seq_disorder_within_a_kind_is_detected(tmp_path: Path) -> None:
    """An event whose seq does not increase within its partition is named by seq."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        for seq in (5, 3):
            w._next_seq = seq
            w.append(
                kind=kinds.REPO_PULLS,
                run_id="r",
                fetched_at="2026-11-25T08:00:00.000000Z",
                request={},
                response={},
                body=b"a",
            )
    report = archive.verify_archive(raw)
    assert "event seq 3: not after seq 5" in (report.first_problem or "")


def test_edited_event_in_rehashed_segment_is_detected(tmp_path: Path) -> None:
    """A body edited and re-chained consistently still fails its body hash."""
    import zstandard

    from archive.manifest import ManifestAppender, SegmentSummary

    raw = tmp_path / "raw"
    _fill(raw, n=1)
    seg = _segments(raw)[0]
    text = zstandard.ZstdDecompressor().decompress(seg.read_bytes())
    forged = zstandard.ZstdCompressor().compress(text.replace(b"change 0", b"change 9"))
    _writable(seg)
    seg.write_bytes(forged)
    (raw / "MANIFEST.ndjson").unlink()
    ManifestAppender(raw, []).append(
        SegmentSummary(
            path=seg.relative_to(raw).as_posix(),
            kind=kinds.REPO_PULLS,
            sha256=hashlib.sha256(forged).hexdigest(),
            size=len(forged),
            events=1,
            first_seq=1,
            last_seq=1,
            fetched_from="2026-11-25T08:00:00.000000Z",
            fetched_to="2026-11-25T08:00:00.000000Z",
            body_bytes=33,
        )
    )
    report = archive.verify_archive(raw)
    assert "event seq 1: body does not match its sha256/size" in (report.first_problem or "")


def test_unknown_format_version_is_refused(tmp_path: Path) -> None:
    """A FORMAT naming another version stops writer and reader with a clear message."""
    raw = tmp_path / "raw"
    _fill(raw, n=1)
    _writable(raw / "FORMAT")
    (raw / "FORMAT").write_bytes(b"ghmc archive format 2\n")
    with pytest.raises(archive.ArchiveFormatError, match="format 2, but this ghmc reads only"):
        archive.ArchiveWriter.open(raw)
    with pytest.raises(archive.ArchiveFormatError):
        list(archive.read_events(raw))
    assert not archive.verify_archive(raw).ok


def test_empty_or_absent_archive_verifies(tmp_path: Path) -> None:
    """No archive yet is not damage."""
    assert archive.verify_archive(tmp_path / "nothing").ok
    (tmp_path / "raw").mkdir()
    assert archive.verify_archive(tmp_path / "raw").ok
