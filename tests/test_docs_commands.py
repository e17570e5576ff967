"""Every `ghmc …` command line the docs show names a command that exists, with options it has.

Runnable blocks are run (tests/test_docs_runnable.py); this covers the rest: commands in prose,
tables, manual and PowerShell blocks. A renamed command or option fails here.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from docs_support import blocks, code_spans, user_docs

import cli

CALL = re.compile(r"(?:^|[\s(;&|])ghmc ([^|\n#;&`]+)")


def code(doc: Path) -> list[str]:
    """The code of a page: every fenced block and every inline code span outside them."""
    text = doc.read_text(encoding="utf-8")
    fenced = [b.text for b in blocks(doc)]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    spans = [c for c in code_spans(prose) if not c.startswith("ghmc:")]  # messages, not calls
    return fenced + spans


def calls(doc: Path) -> list[str]:
    """The text after each `ghmc ` that starts a command line in the page's code."""
    return [m.group(1).strip() for piece in code(doc) for m in CALL.finditer(piece)]


def resolve(words: list[str]) -> tuple[list[str], click.Command] | None:
    """Walk the command tree along `words`: the path taken and the command reached."""
    command: click.Command = cli.cli
    path: list[str] = []
    for word in words:
        if not isinstance(command, click.Group):
            break
        sub = command.get_command(click.Context(command), word)
        if sub is None:
            break
        command, path = sub, [*path, word]
    return (path, command) if path else None


def options(command: click.Command) -> set[str]:
    """Every option string of a command (and the global ones)."""
    found = {"--help", "--config", "--debug", "--version"}
    for param in command.params:
        found |= set(getattr(param, "opts", [])) | set(getattr(param, "secondary_opts", []))
    return found


def problems(line: str) -> list[str]:
    """What is wrong with one documented command line ([] when it is right)."""
    try:
        words = shlex.split(line, posix=True)
    except ValueError:
        words = line.split()
    words = [w for w in words if not w.startswith("--config") and w != "--debug"]
    first = words[0] if words else ""
    if not re.fullmatch(r"[a-z][a-z-]*", first) or first in {"is", "and", "the"}:
        return []  # prose such as "ghmc … console script"
    found = resolve(words)
    if found is None:
        return [f"no command {first!r}"]
    path, command = found
    opts = options(command)
    flags = [w.split("=")[0] for w in words if re.fullmatch(r"--[a-z][a-z-]*(=.*)?", w)]
    return [f"ghmc {' '.join(path)}: no option {f}" for f in flags if f not in opts]


@pytest.mark.parametrize("doc", user_docs(), ids=lambda d: d.name)
def test_documented_commands_exist(doc: Path) -> None:
    """Each `ghmc COMMAND --option` in the page exists in this ghmc."""
    found = [p for line in calls(doc) for p in problems(line)]
    assert found == []


def test_the_check_finds_commands() -> None:
    """The scan finds the README's commands and flags an unknown command or option."""
    assert len(calls(user_docs()[0])) > 20
    assert problems("frobnicate --now") == ["no command 'frobnicate'"]
    assert problems("runs --limt 2") == ["ghmc runs: no option --limt"]
