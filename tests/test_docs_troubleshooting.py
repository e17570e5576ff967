"""Every row of the README's troubleshooting table is provoked, and ghmc answers as documented.

Each row names a situation, the exit code and the message ghmc prints on stderr (`…` stands for
text that varies). Below, one function per situation brings it about in a fresh install folder
and runs the documented command; the test compares the exit code and the message with the
row. A row without a provoker, or a provoker without a row, fails too: the table and the
program cannot drift apart silently.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docs_support import ROOT, code_spans, pattern, table_under

from archive import RunLock
from sim import SimConfig, Simulator

README = ROOT / "README.md"
ROWS = table_under(README, "Troubleshooting")

Outcome = tuple[int, str]
"""Exit code and stderr of one ghmc run."""


class Install:
    """A fresh install folder with a config.toml for one enterprise, and ghmc to run in it."""

    def __init__(self, folder: Path, api_url: str = "https://api.github.com") -> None:
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GHMC_")}
        self.env["GHMC_TOKEN_CONTOSO"] = "ghp_" + "a" * 36
        folder.mkdir(parents=True, exist_ok=True)
        self.write_config(api_url)

    def write_config(self, api_url: str, extra: str = "") -> None:
        """config.toml for enterprise contoso at `api_url` (orgs of the simulator's contoso)."""
        (self.folder / "config.toml").write_text(
            'data_dir = "data"\n\n[[enterprises]]\nid = "contoso"\n'
            f'api_url = "{api_url}"\ntoken_env = "GHMC_TOKEN_CONTOSO"\n'
            'orgs = ["contoso-web", "contoso-platform"]\n' + extra,
            encoding="utf-8",
        )

    def run(self, *args: str) -> Outcome:
        """Run `ghmc ARGS` in the folder; return its exit code and stderr."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), *args],
            cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=300,
            check=False,
        )  # fmt: skip
        return done.returncode, done.stderr

    def simulated(self, sim: Simulator) -> Install:
        """Point the config at the simulator."""
        self.write_config(sim.base_url)
        return self


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """The simulator on the real clock (today is the real UTC day)."""
    with Simulator(SimConfig(seed=7, today=datetime.now(UTC).date())) as running:
        yield running


def no_config(home: Install, sim: Simulator) -> Outcome:
    """`ghmc check` in a folder without config.toml."""
    (home.folder / "config.toml").unlink()
    return home.run("check")


def token_unset(home: Install, sim: Simulator) -> Outcome:
    """`ghmc check` with the token variable not set."""
    del home.env["GHMC_TOKEN_CONTOSO"]
    return home.run("check")


def unknown_key(home: Install, sim: Simulator) -> Outcome:
    """A misspelt key in [export]."""
    home.write_config("https://api.github.com", '\n[export]\nonedrive = "C:/OneDrive"\n')
    return home.run("check")


def plain_http(home: Install, sim: Simulator) -> Outcome:
    """An http:// API URL to a host that is not this machine."""
    home.write_config("http://github.example.com/api/v3")
    return home.run("check")


def bad_usage(home: Install, sim: Simulator) -> Outcome:
    """`replay` without its required --from."""
    return home.run("replay")


def token_refused(home: Install, sim: Simulator) -> Outcome:
    """A token GitHub does not know (revoked, expired or mistyped)."""
    return home.simulated(sim).run("ingest", "--only", "billing")


def scope_missing(home: Install, sim: Simulator) -> Outcome:
    """A token without `manage_billing:enterprise`: Copilot reports come, billing is refused."""
    scopes = ["repo", "read:org", "read:enterprise", "manage_billing:copilot"]
    home.env["GHMC_TOKEN_CONTOSO"] = sim.make_token("contoso", scopes)
    return home.simulated(sim).run("ingest", "--only", "copilot", "--only", "billing")


def lock_held(home: Install, sim: Simulator) -> Outcome:
    """`project` while another run holds the lock."""
    with RunLock(home.folder / "data"):
        return home.run("project")


def seats_collected(home: Install, sim: Simulator) -> Path:
    """Collect the seat lists into the folder's archive and build metrics.db; return data/raw."""
    home.env["GHMC_TOKEN_CONTOSO"] = sim.token("contoso")
    for args in (("ingest", "--only", "seats"), ("project",)):
        code, err = home.simulated(sim).run(*args)
        assert code == 0, err
    return home.folder / "data" / "raw"


def flip_a_byte(raw: Path) -> None:
    """Flip one bit in the middle of a sealed segment (read-only files: made writable first)."""
    segment = next(raw.rglob("*.ndjson.zst"))
    data = bytearray(segment.read_bytes())
    data[len(data) // 2] ^= 0x01
    segment.chmod(0o644)
    segment.write_bytes(bytes(data))


def archive_damaged(home: Install, sim: Simulator) -> Outcome:
    """One byte of a sealed segment flipped, then `verify`."""
    flip_a_byte(seats_collected(home, sim))
    return home.run("verify")


def archive_lost(home: Install, sim: Simulator) -> Outcome:
    """data/raw gone after earlier runs, then `verify`."""
    raw = seats_collected(home, sim)
    for path in sorted(raw.rglob("*"), reverse=True):
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(raw)
    return home.run("verify")


def export_of_damage(home: Install, sim: Simulator) -> Outcome:
    """A byte of a sealed segment flipped after `project`, then `export`."""
    flip_a_byte(seats_collected(home, sim))
    return home.run("export")


def newer_format(home: Install, sim: Simulator) -> Outcome:
    """An archive written by a newer ghmc (FORMAT names format 2)."""
    raw = home.folder / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "FORMAT").write_text("ghmc archive format 2\n")
    return home.run("status")


def no_metrics_db(home: Install, sim: Simulator) -> Outcome:
    """`export` before any `project`."""
    return home.run("export")


def token_with_newline(home: Install, sim: Simulator) -> Outcome:
    """The token variable holds the token and a line break (a careless paste)."""
    home.env["GHMC_TOKEN_CONTOSO"] = "ghp_" + "a" * 36 + "\n"
    return home.run("check")


def out_of_range(home: Install, sim: Simulator) -> Outcome:
    """history_days beyond ten years."""
    text = (home.folder / "config.toml").read_text(encoding="utf-8")
    (home.folder / "config.toml").write_text("history_days = 99999\n" + text, encoding="utf-8")
    return home.run("check")


def daily_step_failed(home: Install, sim: Simulator) -> Outcome:
    """`daily` whose ingest is refused (a token GitHub does not know)."""
    return home.simulated(sim).run("daily")


def terminated(home: Install, sim: Simulator) -> Outcome:
    """SIGTERM while `ingest` runs (a slow simulator keeps it busy)."""
    with Simulator(SimConfig(seed=7, today=datetime.now(UTC).date(), latency_ms=100)) as slow:
        home.env["GHMC_TOKEN_CONTOSO"] = slow.token("contoso")
        home.simulated(slow)
        run = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "ingest"],
            cwd=home.folder, env=home.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not (home.folder / "data" / "raw" / "FORMAT").exists():
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.1)
        time.sleep(1.0)  # well into the run's requests
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=120)
    return run.returncode, stderr


PROVOKE: dict[str, Callable[[Install, Simulator], Outcome]] = {
    "no config file": no_config,
    "token variable not set": token_unset,
    "unknown key in config.toml": unknown_key,
    "plain `http://` to a remote host": plain_http,
    "wrong command line": bad_usage,
    "token refused (401)": token_refused,
    "token lacks a scope (403)": scope_missing,
    "another run holds the lock": lock_held,
    "archive damaged": archive_damaged,
    "archive from a newer ghmc": newer_format,
    "`export` before `project`": no_metrics_db,
    "token variable holds a line break or space": token_with_newline,
    "a number out of range": out_of_range,
    "`daily` with a failed step": daily_step_failed,
    "stopped by SIGTERM": terminated,
    "archive lost": archive_lost,
    "`export` from a damaged archive": export_of_damage,
}
"""The situation column of the table → the function that brings it about."""


def test_every_row_has_a_provoker_and_back() -> None:
    """The table's situations are exactly the provoked ones."""
    assert sorted(r["situation"] for r in ROWS) == sorted(PROVOKE)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["situation"])
def test_row_is_what_ghmc_does(row: dict[str, str], sim: Simulator, tmp_path: Path) -> None:
    """Provoked, the situation exits with the row's code and prints its message as a stderr line."""
    code, stderr = PROVOKE[row["situation"]](Install(tmp_path / "ghmc"), sim)
    assert code == int(row["exit"]), stderr
    (message,) = code_spans(row["message"])
    lines = stderr.splitlines()
    assert any(pattern(message).fullmatch(line) for line in lines), (
        f"documented: {message}\nprinted: {stderr}"
    )


ARGS = {"events": ("events", "list"), "audit sql": ("audit", "sql", "SELECT count(*) FROM events"),
        "replay": ("replay", "--from", "2026-01-01")}  # fmt: skip
"""Arguments for the commands the token paragraph names, where the name alone is not enough."""


def token_paragraph() -> tuple[list[str], list[str]]:
    """The commands docs/configuration.md says need the token variables, and those that don't."""
    text = " ".join((ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").split())
    start = text.index("The token variables are checked only by")
    paragraph = text[start : text.index("work without them", start)]
    needing, _, rest = paragraph.partition("printed).")
    return code_spans(needing), code_spans(rest)


def test_token_paragraph_is_read() -> None:
    """The paragraph names commands on both sides (so the test below checks something)."""
    needing, without = token_paragraph()
    assert "ingest" in needing
    assert "verify" in without


def test_which_commands_need_the_token(sim: Simulator, tmp_path: Path) -> None:
    """Without the token variable, GitHub-calling commands exit 2 and the others still work."""
    home = Install(tmp_path / "ghmc")
    seats_collected(home, sim)
    del home.env["GHMC_TOKEN_CONTOSO"]
    needing, without = token_paragraph()
    for name in needing:
        code, err = home.run(*ARGS.get(name, (name,)))
        assert code == 2 and "GHMC_TOKEN_CONTOSO" in err, (name, err)
    for name in without:
        code, err = home.run(*ARGS.get(name, (name,)))
        assert code == 0, (name, err)
