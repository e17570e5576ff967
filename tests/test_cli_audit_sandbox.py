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


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes (to prove nothing was created or changed)."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def sealed_segment(cfg: Path) -> Path:
    """The absolute path of one sealed segment of the fixture's archive."""
    return next((cfg.parent / "data" / "raw").rglob("*.ndjson.zst"))


WRITE_ATTEMPTS: list[tuple[str, int]] = [
    # (SQL, expected exit code): 1 = refused by DuckDB, 0 = ran in memory only
    ("COPY (SELECT * FROM events) TO 'stolen.csv'", 1),
    ("COPY (SELECT 1) TO '{segment}' (FORMAT csv)", 1),
    ("EXPLAIN ANALYZE COPY (SELECT 'x') TO '{segment}' (FORMAT csv)", 1),
    ("EXPLAIN ANALYZE COPY (SELECT * FROM events) TO '{raw}/MANIFEST.ndjson'", 1),
    ("COPY (SELECT 1) TO 'data/raw/MANIFEST.ndjson' (USE_TMP_FILE false)", 1),
    ("COPY (SELECT 1) TO '{raw}' (FORMAT parquet, PARTITION_BY (x), OVERWRITE)", 1),
    ("EXPORT DATABASE 'dump'", 1),
    ("ATTACH 'other.db' AS other", 1),
    ("ATTACH '{raw}/x.duckdb' AS other", 1),
    ("ATTACH ':memory:' AS m; CREATE TABLE m.t AS SELECT * FROM events", 0),
    ("CREATE TABLE t AS SELECT * FROM events", 0),
    ("CREATE VIEW v AS SELECT 1 AS one", 0),
    ("CREATE MACRO twice(a) AS a * 2; SELECT twice(21) AS n", 0),
    ("CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", 1),
    ("CHECKPOINT", 0),
    ("SET enable_external_access = true", 1),
    ("SET allowed_directories = ['{raw}']", 1),
    ("SET temp_directory = 'spill'", 1),
    ("RESET lock_configuration", 1),
    ("SET GLOBAL lock_configuration = false", 1),
    ("PRAGMA enable_profiling", 1),
    ("SET profiling_output = 'profile.json'", 1),
    ("CALL enable_logging(storage = 'file', storage_path = 'logs')", 1),
    ("INSTALL httpfs", 1),
    ("LOAD httpfs", 1),
    ("LOAD '{raw}/evil.duckdb_extension'", 1),
    ("SELECT 1; COPY (SELECT 1) TO 'stolen.csv'", 1),
    ("CREATE TABLE t AS SELECT 1 AS x; COPY t TO 'stolen.csv'", 1),
    ("SELECT 1 AS one; SET enable_external_access = true; COPY (SELECT 1) TO 'stolen.csv'", 1),
    ("SELECT * FROM read_text('/etc/passwd')", 1),
    ("SELECT * FROM read_csv('config.toml')", 1),
    ("SELECT * FROM read_text('data/raw/MANIFEST.ndjson')", 1),
    ("SELECT * FROM read_blob('{segment}')", 1),
    ("SELECT * FROM read_ndjson('{segment}')", 1),
    ("SELECT * FROM glob('/etc/*')", 1),
    ("SELECT * FROM sniff_csv('config.toml')", 1),
]


@pytest.mark.parametrize(("sql", "expected"), WRITE_ATTEMPTS)
def test_no_statement_can_touch_a_file(
    cfg: Path, capsys: pytest.CaptureFixture[str], sql: str, expected: int
) -> None:
    """Each write (or other-file read) path is refused by the sandbox itself, or runs in memory
    only; as the user running the tests (root here: file modes protect nothing), no file under
    the config's folder is created or changed, and the archive still verifies."""
    raw = cfg.parent / "data" / "raw"
    before = snapshot(cfg.parent)
    duckdb_home = Path.home() / ".duckdb"  # extensions, stored secrets
    home_before = sorted(duckdb_home.rglob("*")) if duckdb_home.exists() else None
    text = sql.format(segment=sealed_segment(cfg).as_posix(), raw=raw.as_posix())
    code, out, err = audit(capsys, cfg, text)
    assert code == expected, err
    if expected:
        assert err.startswith("ghmc: audit sql: "), err
        assert "root:" not in out
    assert snapshot(cfg.parent) == before
    assert (sorted(duckdb_home.rglob("*")) if duckdb_home.exists() else None) == home_before
    assert archive.verify_archive(raw).ok


@pytest.mark.parametrize("sql", ["", "   ", "\n"])
def test_blank_sql_is_usage_error(cfg: Path, capsys: pytest.CaptureFixture[str], sql: str) -> None:
    """No SQL at all is exit 2 with a hint, not an internal error."""
    code, _, err = audit(capsys, cfg, sql)
    assert code == 2
    assert "SELECT count(*) FROM events" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("sql", [";", " ; ; ", " -- only a comment", "/* nothing */"])
def test_sql_without_a_statement_is_usage_error(
    cfg: Path, capsys: pytest.CaptureFixture[str], sql: str
) -> None:
    """SQL that parses to no statement is exit 2 saying so."""
    code, _, err = audit(capsys, cfg, sql)
    assert code == 2
    assert "no statement given" in err


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("SELEC 1", "Parser Error"),
        ("SELECT nope FROM events", "nope"),
        ("SELECT * FROM events a JOIN events b USING (seq)", "MATERIALIZED"),
        ("SELECT 1/0 AS x, 'a'::INTEGER", "Conversion Error"),
    ],
)
def test_bad_sql_is_a_clear_failure(
    cfg: Path, capsys: pytest.CaptureFixture[str], sql: str, says: str
) -> None:
    """Bad SQL is exit 1 with DuckDB's message (and the stream hint for a second scan)."""
    code, _, err = audit(capsys, cfg, sql)
    assert code == 1
    assert err.startswith("ghmc: audit sql: ")
    assert says in err
    assert "Traceback" not in err


def test_self_join_reads_the_stream_once(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The documented form of a self-join works: the stream is read once into a CTE."""
    sql = (
        "WITH e AS MATERIALIZED (FROM events) "
        "SELECT count(*) AS n FROM e a JOIN e b ON a.seq < b.seq"
    )
    code, out, _ = audit(capsys, cfg, sql)
    assert (code, out) == (0, "n\n6\n")
