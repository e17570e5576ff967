"""`audit sql` is read-only and sandboxed: it reads the archive's segments and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

import archive
from archive import kinds
from cli import main


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config whose archive holds three sealed events and one in an open segment."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.toml"
    path.write_text(
        'data_dir = "data"\n[[enterprises]]\nid = "contoso"\norgs = ["web"]\ntoken_env = "T"\n',
        encoding="utf-8",
    )
    raw = tmp_path / "data" / "raw"
    with archive.ArchiveWriter.open(raw) as writer:
        for i in range(3):
            _add(writer, i)
    writer = archive.ArchiveWriter.open(raw)  # left open, as during a run
    _add(writer, 3)
    writer.flush()
    return path


def _add(writer: archive.ArchiveWriter, i: int) -> None:
    writer.append(
        kind=kinds.REPO_PULLS,
        run_id="run-1",
        fetched_at=f"2026-11-{20 + i:02d}T08:00:00.000000Z",
        enterprise_id="contoso",
        org="web",
        repo="web/app",
        request={"method": "GET", "url": f"https://api.github.com/x?page={i}"},
        response={"status": 200, "headers": {}},
        body=b'{"n": %d}' % i,
    )


def audit(capsys: pytest.CaptureFixture[str], cfg: Path, sql: str) -> tuple[int, str, str]:
    """Run `audit sql` in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as done:
        main(["--config", str(cfg), "audit", "sql", "--format", "csv", sql])
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def test_select_still_reads_sealed_and_open_segments(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Inside the sandbox the view still answers from sealed files and the open segment."""
    code, out, _ = audit(capsys, cfg, "WITH e AS (FROM events) SELECT count(*) AS n FROM e")
    assert (code, out) == (0, "n\n4\n")


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT * FROM events) TO 'stolen.csv'",
        "COPY (SELECT 1) TO 'data/raw/MANIFEST.ndjson' (USE_TMP_FILE false)",
        "EXPORT DATABASE 'dump'",
        "ATTACH 'other.db' AS other",
        "CREATE TABLE t AS SELECT 1",
        "INSTALL httpfs",
        "SET enable_external_access = true",
        "SELECT 1; COPY (SELECT 1) TO 'stolen.csv'",
    ],
)
def test_writing_statements_are_refused(
    cfg: Path, capsys: pytest.CaptureFixture[str], sql: str
) -> None:
    """Anything but SELECT / EXPLAIN is refused with exit 1 and no file is written."""
    manifest = (cfg.parent / "data" / "raw" / "MANIFEST.ndjson").read_bytes()
    code, _, err = audit(capsys, cfg, sql)
    assert code == 1
    assert "not allowed" in err
    assert not (cfg.parent / "stolen.csv").exists()
    assert not (cfg.parent / "dump").exists()
    assert (cfg.parent / "data" / "raw" / "MANIFEST.ndjson").read_bytes() == manifest


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_csv('config.toml')",
        "SELECT * FROM read_text('data/raw/MANIFEST.ndjson')",
        "SELECT * FROM glob('/etc/*')",
    ],
)
def test_reading_other_files_is_refused(
    cfg: Path, capsys: pytest.CaptureFixture[str], sql: str
) -> None:
    """A SELECT cannot read any file but the view's segments: exit 1, a permission error."""
    code, out, err = audit(capsys, cfg, sql)
    assert code == 1
    assert "root:" not in out
    assert "disabled by configuration" in err
