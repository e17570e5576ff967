"""The token docs (docs/github-setup.md) hold against the simulator, which checks scopes as
GitHub documents them: the documented scopes collect everything, each of them is needed, and
the expiry warning reads as the page shows it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docs_support import ROOT, blocks, code_spans, table_under

from sim import SimConfig, Simulator

PAGE = ROOT / "docs" / "github-setup.md"
SCOPES = [code_spans(row["scope"])[0] for row in table_under(PAGE, "The token")]


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """The simulator on the real clock."""
    with Simulator(SimConfig(seed=3, today=datetime.now(UTC).date())) as running:
        yield running


def ingest(sim: Simulator, folder: Path, token: str) -> subprocess.CompletedProcess[str]:
    """`ghmc ingest --enterprise contoso` with this token, in a fresh folder."""
    folder.mkdir(parents=True)
    orgs = ", ".join(f'"{o}"' for o in sim.orgs("contoso"))
    (folder / "config.toml").write_text(
        f'history_days = 3\n[[enterprises]]\nid = "contoso"\napi_url = "{sim.base_url}"\n'
        f'token_env = "GHMC_DOCS_TOKEN"\norgs = [{orgs}]\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GHMC_")}
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "ingest", "--enterprise", "contoso"],
        cwd=folder, env={**env, "GHMC_DOCS_TOKEN": token}, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def expiry_example() -> re.Pattern[str]:
    """The page's example warning, with its date and numbers as wildcards."""
    (example,) = [b.text.strip() for b in blocks(PAGE) if "expires on" in b.text]
    return re.compile(re.sub(r"\d+", r"\\d+", re.escape(example)))


def test_the_page_lists_four_scopes() -> None:
    """The scope table is read (so the tests below check something)."""
    assert len(SCOPES) == 4
    assert "repo" in SCOPES


@pytest.mark.slow
def test_documented_scopes_collect_everything(sim: Simulator, tmp_path: Path) -> None:
    """Exactly the documented scopes collect everything; 13 days from expiry, the shown warning."""
    expires = datetime.now(UTC) + timedelta(days=13)
    done = ingest(sim, tmp_path / "ok", sim.make_token("contoso", SCOPES, expires))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "does not need" not in done.stdout
    assert expiry_example().search(done.stdout), done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("dropped", [s for s in SCOPES if s != "repo"])
def test_each_documented_scope_is_needed(sim: Simulator, tmp_path: Path, dropped: str) -> None:
    """Without any one of the documented scopes, some requests are refused (exit 1 or 3)."""
    scopes = [s for s in SCOPES if s != dropped]
    done = ingest(sim, tmp_path / dropped.replace(":", "_"), sim.make_token("contoso", scopes))
    assert done.returncode in {1, 3}, done.stdout + done.stderr
    assert "403" in done.stdout


@pytest.mark.slow
def test_without_repo_private_repositories_are_silently_missing(
    sim: Simulator, tmp_path: Path
) -> None:
    """As the page warns: without `repo` the run succeeds but collects no pull requests."""
    folder = tmp_path / "no-repo"
    token = sim.make_token("contoso", [s for s in SCOPES if s != "repo"])
    assert ingest(sim, folder, token).returncode == 0
    assert "without `repo`" in PAGE.read_text(encoding="utf-8")
    listed = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "events", "list", "--kind", "repo.pulls", "--json"],
        cwd=folder, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    assert listed.stdout == ""


@pytest.mark.slow
def test_an_extra_scope_is_warned_about(sim: Simulator, tmp_path: Path) -> None:
    """A write scope beyond the documented ones gets the excess-scope warning."""
    token = sim.make_token("contoso", [*SCOPES, "admin:org"])
    done = ingest(sim, tmp_path / "extra", token)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the token carries scopes ghmc does not need: admin:org" in done.stdout
