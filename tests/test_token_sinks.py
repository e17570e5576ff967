"""Secrets of any shape, through `cli.py daily` against the simulator: no rendering of a token
(raw, repr- or JSON-escaped, URL-encoded, one line of a multi-line token) reaches stdout,
stderr, the logs, the archive, metrics.db or the export."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import zstandard
from test_daily_job import token_env, write_config

import config as config_mod
from cli import main
from sim import SimConfig, Simulator

SHAPES = [
    "ghp_LEAKTEST01\nSECONDLINE02",
    "ghp_LEAKTEST03\r\nSECONDLINE04",
    "ghp_LEAKTEST05\x07SECONDLINE06",
    "ghp_LEAKTEST07 SECONDLINE08",
    "\tghp_LEAKTEST09",
    "ghp_LEAKTEST10\u2603SNOWMAN11",
    "ghp_LEAKTEST12\u00e9ACCENT13",
    "ghp_LEAKTEST14\"q'uo\\te%2F/+=&?#",
]


def forms(token: str) -> set[str]:
    """What a leak of `token` could look like (listed here, independently of the scrubber)."""
    found = {
        token,
        repr(token)[1:-1],
        ascii(token)[1:-1],
        json.dumps(token)[1:-1],
        json.dumps(repr(token))[1:-1],
        quote(token, safe=""),
        quote_plus(token),
        quote(token),
        repr(token.encode())[2:-1],
    }
    found.update(re.findall(r"[\x21-\x7e]{6,}", token))  # each printable run (line) of it
    return found


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """One simulator on today's date (each test has its own data folder)."""
    with Simulator(SimConfig(seed=5, today=datetime.now(UTC).date(), scale="small")) as s:
        yield s


def every_sink(folder: Path, out: str, err: str) -> dict[str, str]:
    """The text of every place a token could leak to: streams, and every file written, with
    zstd segments, gzip exports and metrics.db (a SQL dump) decoded."""
    texts = {"stdout": out, "stderr": err}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name.endswith(".zst"):
            with zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True) as r:
                data = r.read()
        elif path.name.endswith(".gz"):
            data = gzip.decompress(data)
        elif data.startswith(b"SQLite format 3"):
            with closing(sqlite3.connect(path)) as conn:
                data = "\n".join(conn.iterdump()).encode()
        texts[str(path.relative_to(folder))] = data.decode("utf-8", "replace")
    return texts


def run_daily(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, str, str]:
    """`daily` in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as done:
        main(["--config", str(config), "daily"])
    got = capsys.readouterr()
    return int(done.value.code or 0), got.out, got.err


@pytest.mark.parametrize("token", SHAPES)
def test_token_shape_never_reaches_a_sink(
    sim: Simulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token: str,
) -> None:
    """With the start check bypassed, so the HTTP library itself meets the token (its
    "invalid header value" message escapes it), a whole `daily` runs and no rendering of the
    token is in any sink; the run's error is recorded, scrubbed."""
    config = write_config(sim, tmp_path)
    monkeypatch.setattr(config_mod, "_TOKEN_CHARS", re.compile(r"^.+$", re.DOTALL))
    for name, value in token_env(sim).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GHMC_DAILY_TEST_0", token)
    code, out, err = run_daily(capsys, config)
    assert code in {1, 3}, out + err  # the other enterprise is collected: partial or failed
    sinks = every_sink(tmp_path, out, err)
    assert any("metrics.db" in name for name in sinks)
    assert any(name.endswith(".csv.gz") for name in sinks)
    assert any(name.endswith(".log") for name in sinks)
    leaks = [(name, form) for name, text in sinks.items() for form in forms(token) if form in text]
    assert leaks == []


@pytest.mark.parametrize("token", [s for s in SHAPES if not re.fullmatch(r"[\x21-\x7e]+", s)])
def test_token_shape_is_refused_before_anything_is_written(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], token: str
) -> None:
    """Without the bypass, such a token variable stops `daily` at start: exit 2 naming the
    variable, no file written, no request sent, nothing of the value shown."""
    config = write_config(sim, tmp_path)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in token_env(sim).items():
            mp.setenv(name, value)
        mp.setenv("GHMC_DAILY_TEST_0", token)
        code, out, err = run_daily(capsys, config)
    assert code == 2
    assert "GHMC_DAILY_TEST_0" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
    leaks = [form for form in forms(token) if form in out + err]
    assert leaks == []
