"""The auditor commands: events list/show, audit sql, status, verify --repair."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import orjson
import pytest

import archive
from archive import kinds
from cli import main

Run = tuple[int, str, str]


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config whose data_dir holds an archive of 6 sealed and 2 open events."""
    monkeypatch.setenv("GHMC_TEST_TOKEN", "t")
    path = tmp_path / "config.toml"
    path.write_text(
        f'data_dir = "{tmp_path.as_posix()}/data"\n[[enterprises]]\nid = "contoso"\n'
        'orgs = ["contoso-web"]\ntoken_env = "GHMC_TEST_TOKEN"\n',
        encoding="utf-8",
    )
    raw = tmp_path / "data" / "raw"
    with archive.ArchiveWriter.open(raw) as w:
        for i in range(6):
            _add(
                w,
                (kinds.REPO_PULLS, kinds.COPILOT_SEATS)[i % 2],
                i,
                "contoso" if i < 4 else "fabrikam",
            )
    w = archive.ArchiveWriter.open(raw)  # left open, as during a run
    _add(w, kinds.REPO_PULLS, 6, "contoso")
    _add(w, kinds.RUN_STARTED, 7, "contoso")
    w.flush()
    return path


def _add(w: archive.ArchiveWriter, kind: str, i: int, ent: str) -> None:
    w.append(
        kind=kind,
        run_id="run-1",
        fetched_at=f"2026-11-{20 + i:02d}T08:00:00.000000Z",
        enterprise_id=ent,
        org="contoso-web",
        repo="contoso-web/app",
        request={"method": "GET", "url": f"https://api.github.com/x?page={i}"},
        response={"status": 200, "headers": {"etag": f'"{i}"'}},
        body=b'{"n": %d}' % i if i != 3 else b"\xff\xfe binary",
    )


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> Run:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(cfg), *args])
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_audit_sql_counts_kinds_from_segments(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`audit sql` answers from the segment files, open segments included."""
    code, out, _ = run(
        capsys, cfg, "audit", "sql", "select kind, count(*) from events group by 1 order by 1"
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [
        ["kind", "count_star()"],
        ["copilot.seats", "3"],
        ["repo.pulls", "4"],
        ["run.started", "1"],
    ]


def test_audit_sql_reads_sealed_files_with_duckdb(cfg: Path) -> None:
    """The view scans sealed segments with read_ndjson and exposes envelope columns and body."""
    from archive import duck

    raw = cfg.parent / "data" / "raw"
    con = duck.connect(raw)
    plan = con.execute("explain select * from events").fetchall()
    assert "READ_NDJSON" in str(plan).upper() or "READ_JSON" in str(plan).upper()
    rows = con.execute(
        "select seq, request->>'$.url', response->>'$.status', body from events where seq = 1"
    ).fetchall()
    assert rows == [(1, "https://api.github.com/x?page=0", "200", '{"n": 0}')]
    assert list(duck.COLUMNS) == [d[0] for d in con.execute("select * from events").description]


def test_audit_sql_error_exits_1(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad SQL is reported in one line, exit 1."""
    code, _, err = run(capsys, cfg, "audit", "sql", "select nope from events")
    assert code == 1 and err.startswith("ghmc: audit sql:")


def test_events_list_json_lines_with_filters(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`events list` prints JSON lines (not a TTY) in seq order, filtered, without bodies."""
    code, out, _ = run(
        capsys,
        cfg,
        "events",
        "list",
        "--kind",
        "repo.pulls",
        "--enterprise",
        "contoso",
        "--since",
        "2026-11-21",
    )
    assert code == 0
    envs = [orjson.loads(line) for line in out.splitlines()]
    assert [e["seq"] for e in envs] == [3, 7]
    assert all("body" not in e and e["body_sha256"] for e in envs)


def test_events_list_table(
    cfg: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal `events list` prints a table with a header."""
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, cfg, "events", "list", "--limit", "2")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["seq", "fetched_at", "kind"] and len(lines) == 4


def test_events_list_rejects_unknown_kind(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown --kind is bad usage (exit 2)."""
    assert run(capsys, cfg, "events", "list", "--kind", "repo.nope")[0] == 2


def test_events_show_envelope_and_exact_body(
    cfg: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """`events show ID` prints the envelope; `--body` writes the exact bytes received."""
    raw = cfg.parent / "data" / "raw"
    ev = next(e for e in archive.read_events(raw) if e.seq == 4)
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(cfg), "events", "show", ev.event_id[:12], "--body"])
    assert exc.value.code == 0
    body = capsysbinary.readouterr().out
    assert body == b"\xff\xfe binary" and hashlib.sha256(body).hexdigest() == ev.body_sha256
    with pytest.raises(SystemExit):
        main(["--config", str(cfg), "events", "show", ev.event_id])
    shown = orjson.loads(capsysbinary.readouterr().out)
    assert shown["seq"] == 4 and shown["body_encoding"] == "base64" and "body" not in shown


def test_events_show_unknown_id_exits_1(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An id that matches nothing is a failure naming it."""
    code, _, err = run(capsys, cfg, "events", "show", "deadbeef")
    assert code == 1 and "no event with id deadbeef" in err


def test_status_shows_counts_bytes_and_head(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`status` prints segments, events, raw vs stored bytes, head hash and per-kind counts."""
    raw = cfg.parent / "data" / "raw"
    code, out, _ = run(capsys, cfg, "status")
    stats = archive.archive_stats(raw)
    assert code == 0
    assert "2 sealed, 2 open" in out and "archive events:    8" in out
    assert f"{stats.bytes_raw} / {stats.bytes_stored}" in out
    assert archive.head_hash(raw) in out and "run.started" in out


def test_verify_repair_seals_open_segments(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`verify --repair` recovers what a run left open, then verifies."""
    code, out, _ = run(capsys, cfg, "verify", "--repair")
    assert code == 0
    assert (
        "repaired: sealed" in out and "archive intact: 4 sealed segments, 0 open, 8 events" in out
    )


def test_every_archive_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Each auditor command documents itself."""
    for args in (["verify"], ["events", "list"], ["events", "show"], ["audit", "sql"], ["status"]):
        with pytest.raises(SystemExit) as exc:
            main([*args, "--help"])
        assert exc.value.code == 0
        assert "Usage:" in capsys.readouterr().out
