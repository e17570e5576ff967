"""Every command and subcommand has help, and the README's command reference lists them all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def command_paths(
    group: click.Group = cli.cli, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Walk click's command tree: every (path, command), groups included, the root first."""
    yield prefix, group
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name), command


ALL = list(command_paths())


def test_the_tree_has_the_contract_commands() -> None:
    """The walk finds the commands of design §7 (so the tests below cover something)."""
    names = {" ".join(path) for path, _ in ALL}
    contract = "demo ingest project replay export backup daily verify runs status schedule"
    for name in [*contract.split(), "events list", "events show", "audit sql"]:
        assert name in names


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "ghmc")
def test_help_exits_0_with_text(path: tuple[str, ...]) -> None:
    """`ghmc … --help` exits 0 and prints a usage line and a description."""
    result = CliRunner().invoke(
        cli.cli, [*path, "--help"], prog_name="ghmc", terminal_width=500, max_content_width=500
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: ghmc {' '.join(path)}".rstrip())
    command = dict(ALL)[path]
    assert (command.help or "").strip(), f"{path} has no help text"
    assert command.help is not None
    assert command.help.splitlines()[0].strip() in result.output


def test_readme_lists_every_command() -> None:
    """The README's command reference names every command, as `ghmc <path>`."""
    text = README.read_text(encoding="utf-8")
    missing = [" ".join(p) for p, c in ALL if p and f"ghmc {' '.join(p)}" not in text]
    assert missing == []
