"""Every shell block the docs mark runnable works, as written, against the simulator.

For each document (README.md, docs/*.md) its runnable blocks run in order, in one folder, the way
a reader who followed the page would have it: a `config.toml` made from config.example.toml with
only what a reader must change (the API URL and organization names, here the simulator's), the
token variables it names set in the environment, `ghmc` and `python` on PATH (this virtualenv),
and the current folder as the install folder. A block runs under `bash -e -o pipefail`; it must
exit 0, or the `exit=N` of its info string. State carries from block to block (the archive, the
export), so a page's blocks also check that its steps follow from one another.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from docs_support import ROOT, Block, blocks, runnable_blocks, user_docs

from sim import SimConfig, Simulator

DOCS = [d for d in user_docs() if runnable_blocks(d)]


def toml_value(value: Any) -> str:
    """A TOML literal for the value types config.toml uses."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert isinstance(value, list), value
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


def toml_text(doc: dict[str, Any]) -> str:
    """Write a config document back as TOML (scalars first, then tables, then arrays of tables)."""
    out = [f"{k} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict | list)]
    out += [f"{k} = {toml_value(v)}" for k, v in doc.items() if isinstance(v, list) and v
            and not isinstance(v[0], dict)]  # fmt: skip
    for key, value in doc.items():
        if isinstance(value, dict):
            out += ["", f"[{key}]", *(f"{k} = {toml_value(v)}" for k, v in value.items())]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for table in value:
                out += ["", f"[[{key}]]", *(f"{k} = {toml_value(v)}" for k, v in table.items())]
    return "\n".join(out) + "\n"


def reader_config(sim: Simulator) -> tuple[str, dict[str, str]]:
    """config.example.toml as a reader would edit it for these enterprises; and the token env."""
    doc = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    env: dict[str, str] = {}
    for ent in doc["enterprises"]:
        assert ent["id"] in sim.enterprises, "the example's enterprise ids are the simulator's"
        ent["api_url"] = sim.base_url
        ent["orgs"] = sim.orgs(ent["id"])
        env[ent["token_env"]] = sim.token(ent["id"])
        if ent.get("billing_token_env"):
            env[ent["billing_token_env"]] = sim.token(ent["id"])
    return toml_text(doc), env


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """The simulator, its today being the real UTC day (ghmc runs on the real clock here)."""
    with Simulator(SimConfig(seed=7, today=datetime.now(UTC).date(), scale="small")) as sim:
        yield sim


def run_block(block: Block, folder: Path, env: dict[str, str]) -> str:
    """Run one block in `folder`; fail naming the block unless it exits as documented."""
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.text],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    expected = int(block.option("exit") or 0)
    assert done.returncode == expected, (
        f"{block.where} exited {done.returncode}, documented {expected}:\n{block.text}\n"
        f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    )
    return done.stdout


def test_some_docs_have_runnable_blocks() -> None:
    """The first-day guide and the README carry runnable blocks (so the test below runs some)."""
    names = {d.name for d in DOCS}
    assert {"README.md", "first-day.md"} <= names


SHELLS = {"sh", "bash", "shell", "console"}


def test_every_shell_block_says_whether_it_runs() -> None:
    """Every shell block says `runnable` or `manual`: an untested example is a visible choice."""
    unmarked = [
        b.where
        for doc in user_docs()
        for b in blocks(doc)
        if b.words and b.words[0] in SHELLS and not ({"runnable", "manual"} & set(b.words))
    ]
    assert unmarked == []


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_runnable_blocks_run(doc: Path, simulator: Simulator, tmp_path: Path) -> None:
    """Each runnable block of the page exits as documented, in order, in one install folder."""
    folder = tmp_path / "ghmc"
    (folder / "home").mkdir(parents=True)
    text, tokens = reader_config(simulator)
    (folder / "config.toml").write_text(text, encoding="utf-8")
    (folder / "config.example.toml").write_bytes((ROOT / "config.example.toml").read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("GHMC_")}
    env |= tokens | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "HOME": str(folder / "home"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    ran = 0
    for block in runnable_blocks(doc):
        run_block(block, folder, env)
        ran += 1
    assert ran > 0
