"""Crash safety: a writer killed at any moment loses only unfinished appends; nothing repeats."""

from __future__ import annotations

import errno
import hashlib
import logging
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import archive
from archive import kinds
from archive.frames import split_frames
from archive.layout import open_path_of

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import hashlib, os, random, signal, sys
import archive, archive.manifest, archive.segment
raw, seed, crash_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
calls = [0]

def die_at_crash_point(data=b""):
    calls[0] += 1
    if calls[0] == crash_at:  # a torn write: part of the bytes, then death
        return data[: rng.randrange(len(data) + 1)] if data else None
    return data

def hooked_write(real):
    def write(fd, data):
        part = die_at_crash_point(bytes(data))
        if part is not None and len(part) < len(data):
            real(fd, part)
            os.kill(os.getpid(), signal.SIGKILL)
        real(fd, data)
    return write

def hooked(real):
    def call(*args):
        if calls[0] + 1 == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)
        die_at_crash_point()
        return real(*args)
    return call

if crash_at:
    archive.segment._write_all = hooked_write(archive.segment._write_all)
    archive.manifest._write_all = hooked_write(archive.manifest._write_all)
    os.replace = hooked(os.replace)
    os.fsync = hooked(os.fsync)
kinds = ["repo.pulls", "repo.commits", "copilot.seats"]
with archive.ArchiveWriter.open(raw, segment_bytes=20_000) as w:
    for i in range(100_000):
        body = rng.randbytes(rng.choice([10, 300, 5_000, 60_000]))
        ev = w.append(kind=kinds[i % 3], run_id=f"run-{seed}",
                      fetched_at=f"2026-11-25T08:00:00.{i % 1000000:06d}Z",
                      request={"method": "GET"}, response={"status": 200}, body=body)
        print(ev.seq, hashlib.sha256(body).hexdigest(), flush=True)
"""


def _kill_child_at_random(
    raw: Path, seed: int, rng: random.Random, crash_at: int = 0
) -> dict[int, str]:
    """Start a writer child, SIGKILL it after a random number of appends; return what it printed.

    With `crash_at`, the child instead kills itself at that numbered write/fsync/rename, after
    writing a random part of the bytes (a torn write).
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(raw), str(seed), str(crash_at)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    printed: dict[int, str] = {}
    stop_after = rng.randint(1, 120) if not crash_at else 10**9
    for line in proc.stdout:
        seq, sha = line.split()
        printed[int(seq)] = sha
        if len(printed) >= stop_after:
            break
    proc.kill()
    for line in proc.stdout:  # appends that returned before the kill landed
        parts = line.split()
        if len(parts) == 2:
            printed[int(parts[0])] = parts[1]
    proc.wait()
    return printed


@pytest.mark.slow
def test_sigkill_at_random_points_keeps_every_completed_append(tmp_path: Path) -> None:
    """After kills at random moments, recovery keeps every printed event once, seqs increasing."""
    raw = tmp_path / "raw"
    rng = random.Random(2026)
    printed: dict[int, str] = {}
    for trial in range(6):
        got = _kill_child_at_random(raw, trial, rng)
        assert not set(got) & set(printed), "a seq was given twice"
        printed.update(got)
        archive.repair_archive(raw)
        report = archive.verify_archive(raw)
        assert report.ok, report.problems
        events = list(archive.read_events(raw))
        seqs = [e.seq for e in events]
        assert seqs == sorted(set(seqs)), "seqs not strictly increasing"
        stored = {e.seq: e.body_sha256 for e in events}
        missing = {s for s in printed if stored.get(s) != printed[s]}
        assert not missing, f"trial {trial}: completed appends lost: {sorted(missing)[:5]}"
    assert not list(raw.rglob("*.open"))


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the child kills itself with SIGKILL")
def test_torn_writes_and_interrupted_seals_recover(tmp_path: Path) -> None:
    """Killed mid-write, mid-fsync or mid-rename (injected): completed appends all survive."""
    raw = tmp_path / "raw"
    rng = random.Random(7)
    printed: dict[int, str] = {}
    quarantined = 0
    for trial in range(8):
        got = _kill_child_at_random(raw, 100 + trial, rng, crash_at=rng.randint(1, 150))
        assert not set(got) & set(printed), "a seq was given twice"
        printed.update(got)
        quarantined += len(archive.repair_archive(raw).quarantined)
        assert archive.verify_archive(raw).ok
        stored = {e.seq: e.body_sha256 for e in archive.read_events(raw)}
        assert all(stored.get(s) == sha for s, sha in printed.items()), f"trial {trial} lost data"
    assert quarantined > 0, "no torn write was exercised"


def _open_segment(raw: Path, n: int) -> tuple[Path, bytes]:
    """Write n events and abandon the writer (as a kill would); return the open file and bytes."""
    w = archive.ArchiveWriter.open(raw)
    for i in range(n):
        w.append(
            kind=kinds.REPO_PULLS,
            run_id="r",
            fetched_at=f"2026-11-25T08:00:0{i}.000000Z",
            request={},
            response={},
            body=b'{"page": %d}' % i + b" " * 200,
        )
    w._open[kinds.REPO_PULLS].close()
    path = next(raw.rglob("*.open"))
    return path, path.read_bytes()


def test_torn_tail_at_every_cut_is_quarantined_and_the_rest_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Cut anywhere inside the last frame: complete events kept, tail quarantined with a warning."""
    base = tmp_path / "base"
    path, data = _open_segment(base, 3)
    frames, _ = split_frames(data)
    start = frames[-1][0]
    for cut in range(start + 1, len(data)):
        raw = tmp_path / f"cut{cut}"
        shutil.copytree(base, raw)
        (raw / path.relative_to(base)).write_bytes(data[:cut])
        with caplog.at_level(logging.WARNING, logger="ghmc.archive"):
            report = archive.repair_archive(raw)
        assert [e.seq for e in archive.read_events(raw)] == [1, 2]
        assert report.quarantined and report.quarantined[0].read_bytes() == data[start:cut]
        assert "torn tail" in caplog.text
        assert archive.verify_archive(raw).ok
        with archive.ArchiveWriter.open(raw) as w:
            assert w.next_seq == 4  # seq 3 was being written: never given again
        shutil.rmtree(raw)


def test_open_segment_without_damage_is_sealed_whole(tmp_path: Path) -> None:
    """A kill between appends loses nothing: every event of the open segment is sealed."""
    raw = tmp_path / "raw"
    _open_segment(raw, 4)
    report = archive.repair_archive(raw)
    assert not report.quarantined
    assert [e.seq for e in archive.read_events(raw)] == [1, 2, 3, 4]
    assert archive.verify_archive(raw).ok


def test_reader_and_verify_see_complete_events_of_an_open_segment(tmp_path: Path) -> None:
    """Before recovery, readers get the complete events and verify notes the torn tail."""
    raw = tmp_path / "raw"
    path, data = _open_segment(raw, 3)
    path.write_bytes(data[:-5])
    assert [e.seq for e in archive.read_events(raw)] == [1, 2]
    report = archive.verify_archive(raw)
    assert report.ok
    assert any("torn tail" in n for n in report.notes)


def _seal_unrenamed(raw: Path, body: bytes) -> tuple[Path, Path]:
    """Write one event, then leave its sealed segment under its open name, as a crash between
    the manifest line and the rename would; return (sealed name, open name)."""
    with archive.ArchiveWriter.open(raw) as w:
        w.append(
            kind=kinds.REPO_PULLS,
            run_id="r",
            fetched_at="2026-11-25T08:00:00.000000Z",
            request={},
            response={},
            body=body,
        )
    sealed = next(raw.rglob("*.ndjson.zst"))
    opened = open_path_of(sealed)
    sealed.rename(opened)
    return sealed, opened


def test_interrupted_rename_is_finished(tmp_path: Path) -> None:
    """A crash after the manifest line but before the rename is completed by recovery."""
    raw = tmp_path / "raw"
    sealed, _opened = _seal_unrenamed(raw, b"x")
    assert [e.seq for e in archive.read_events(raw)] == [1]
    pending = archive.verify_archive(raw)
    assert pending.ok and any("sealing was interrupted" in n for n in pending.notes)
    report = archive.repair_archive(raw)
    assert any("interrupted rename" in a for a in report.actions)
    assert sealed.exists() and archive.verify_archive(raw).ok


def test_interrupted_rename_of_a_changed_file_is_damage(tmp_path: Path) -> None:
    """A segment left under its open name is still checked against its manifest entry."""
    raw = tmp_path / "raw"
    _sealed, opened = _seal_unrenamed(raw, b"x" * 100)
    opened.chmod(0o600)
    data = bytearray(opened.read_bytes())
    data[len(data) // 2] ^= 0xFF
    opened.write_bytes(bytes(data))
    report = archive.verify_archive(raw)
    assert not report.ok
    assert not any("missing" in p for p in report.problems)  # found under its open name


def test_torn_manifest_line_is_quarantined_and_segment_resealed(tmp_path: Path) -> None:
    """A torn manifest line is set aside and its segment sealed again."""
    raw = tmp_path / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        for i in range(2):
            w.append(
                kind=kinds.REPO_PULLS,
                run_id="r",
                fetched_at="2026-11-25T08:00:00.000000Z",
                request={},
                response={},
                body=b"%d" % i,
            )
    manifest = raw / "MANIFEST.ndjson"
    line = manifest.read_bytes()
    manifest.write_bytes(line[: len(line) // 2])
    sealed = next(raw.rglob("*.ndjson.zst"))
    sealed.chmod(0o644)
    sealed.rename(sealed.with_name("000000000001.ndjson.zst.open"))
    report = archive.repair_archive(raw)
    assert any("manifest ended in a torn line" in a for a in report.actions)
    assert report.quarantined[0].read_bytes() == line[: len(line) // 2]
    assert archive.verify_archive(raw).ok
    assert [e.body_bytes() for e in archive.read_events(raw)] == [b"0", b"1"]


def test_disk_full_is_reported_and_nothing_stored_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC mid-write: ArchiveError says nothing stored was lost; the segment stays sound."""
    from archive import segment

    raw = tmp_path / "raw"
    real = segment._write_all

    def half_then_enospc(fd: int, data: bytes) -> None:
        real(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    with archive.ArchiveWriter.open(raw) as w:
        first = w.append(
            kind=kinds.REPO_PULLS,
            run_id="r",
            fetched_at="2026-11-25T08:00:00.000000Z",
            request={},
            response={},
            body=b"kept",
        )
        monkeypatch.setattr(segment, "_write_all", half_then_enospc)
        with pytest.raises(archive.ArchiveError, match="Nothing already stored was lost"):
            w.append(
                kind=kinds.REPO_PULLS,
                run_id="r",
                fetched_at="2026-11-25T08:00:01.000000Z",
                request={},
                response={},
                body=b"lost" * 100,
            )
        monkeypatch.setattr(segment, "_write_all", real)
        last = w.append(
            kind=kinds.REPO_PULLS,
            run_id="r",
            fetched_at="2026-11-25T08:00:02.000000Z",
            request={},
            response={},
            body=b"after",
        )
    assert [e.seq for e in archive.read_events(raw)] == [first.seq, last.seq]
    assert archive.verify_archive(raw).ok
    assert hashlib.sha256(b"after").hexdigest() == last.body_sha256
