"""The docs' shell blocks that are not run are at least valid: bash blocks pass `bash -n`, and
PowerShell blocks parse and use nothing PowerShell 5.1 (the one Windows ships) lacks.

Windows is not in CI, so the PowerShell blocks are parsed with tree-sitter's PowerShell grammar:
a syntax error, a pipeline chain (`&&`, `||`: PowerShell 7 only) or a `python3` command (there is
none on Windows) fails the test.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import tree_sitter_powershell
from docs_support import Block, blocks, user_docs
from tree_sitter import Language, Node, Parser

POWERSHELL = Parser(Language(tree_sitter_powershell.language()))


def shell_blocks(language: str) -> list[Block]:
    """Every block of the user docs whose info string starts with `language`."""
    return [b for d in user_docs() for b in blocks(d) if b.words[:1] == [language]]


def nodes(node: Node) -> Iterator[Node]:
    """A syntax tree's nodes, depth first."""
    yield node
    for child in node.children:
        yield from nodes(child)


def powershell_problems(text: str) -> list[str]:
    """What PowerShell 5.1 would not take in a block ([] when nothing)."""
    tree = POWERSHELL.parse(text.encode("utf-8"))
    found = ["syntax error"] if tree.root_node.has_error else []
    for node in nodes(tree.root_node):
        if node.type in {"&&", "||"}:
            found.append(f"`{node.type}` (PowerShell 7 only)")
        if node.type == "command_name" and node.text == b"python3":
            found.append("python3 (Windows has py -3, or python in the virtualenv)")
    return found


def test_the_parser_catches_what_51_lacks() -> None:
    """The check flags a syntax error, `&&` and python3, and passes the docs' own idioms."""
    assert powershell_problems("if ($x {\n") == ["syntax error"]
    assert "`&&` (PowerShell 7 only)" in powershell_problems("git pull && ghmc check\n")
    assert powershell_problems("python3 -m venv .venv\n")
    assert powershell_problems("ghmc audit sql 'SELECT 1 WHERE k = ''x'''\n") == []
    assert len(shell_blocks("powershell")) >= 5


@pytest.mark.parametrize("block", shell_blocks("powershell"), ids=lambda b: b.where)
def test_powershell_block_is_51(block: Block) -> None:
    """The PowerShell block parses, without `&&`/`||` or python3."""
    assert powershell_problems(block.text) == []


@pytest.mark.parametrize("block", shell_blocks("sh"), ids=lambda b: b.where)
def test_sh_block_is_valid_bash(block: Block) -> None:
    """The shell block (run or not) is valid bash syntax."""
    done = subprocess.run(
        ["bash", "-n"], input=block.text, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
