"""ghmc command line: parse options, call one library function, print the result.

Errors become exit codes here and nowhere else (design §7):
0 success · 1 failure · 2 bad usage or invalid config · 3 partial collection · 4 lock held.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

import config as config_mod

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_LOCKED = 4

F = TypeVar("F", bound=Callable[..., Any])


class PartialSuccess(Exception):  # noqa: N818 - it is an outcome, not an error
    """A command finished but some of its work failed; exit 3."""


def _exit_code_for(exc: BaseException) -> int:
    """Map a library exception to the documented exit code."""
    import archive

    if isinstance(exc, config_mod.ConfigError | click.UsageError):
        return EXIT_USAGE
    if isinstance(exc, archive.LockHeld):
        return EXIT_LOCKED
    if isinstance(exc, PartialSuccess):
        return EXIT_PARTIAL
    return EXIT_FAILURE


def _fail(exc: BaseException, debug: bool) -> NoReturn:
    code = _exit_code_for(exc)
    if debug:
        import traceback

        traceback.print_exception(exc)
    message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    click.echo(f"ghmc: {message or type(exc).__name__}", err=True)
    sys.exit(code)


class Context:
    """What every command gets: where the config is and whether to show tracebacks."""

    def __init__(self, config_path: Path, debug: bool) -> None:
        self.config_path = config_path
        self.debug = debug
        self._config: config_mod.Config | None = None

    @property
    def config(self) -> config_mod.Config:
        """The validated configuration (loaded on first use; ConfigError → exit 2)."""
        if self._config is None:
            self._config = config_mod.load(self.config_path, check_env=False)
        return self._config

    def config_with_tokens(self) -> config_mod.Config:
        """The configuration, after checking every token variable is set (commands that call
        GitHub use this, so a missing token is exit 2 before any request is sent)."""
        cfg = self.config
        cfg.check_tokens()
        return cfg


pass_ctx = click.make_pass_decorator(Context)


@click.group()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Path to config.toml (default: $GHMC_CONFIG or ./config.toml).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(package_name="ghmc")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """ghmc: GitHub Metrics Collector for Copilot, DORA and velocity metrics."""
    if config_path is None:
        config_path = Path(os.environ.get("GHMC_CONFIG", "config.toml"))
    ctx.obj = Context(config_path, debug)


# --- commands -----------------------------------------------------------------------------------
# Each command is a few lines: options in, one library call, result out.


@cli.command("check")
@pass_ctx
def check_cmd(ctx: Context) -> None:
    """Validate config.toml and the token variables, and print the effective settings."""
    cfg = ctx.config_with_tokens()
    click.echo(config_mod.describe(cfg))


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point: run the CLI and map errors to exit codes in one place."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="ghmc", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("ghmc: aborted", err=True)
        sys.exit(EXIT_FAILURE)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError):
            exc.show()
            sys.exit(EXIT_USAGE)
        _fail(exc, debug)
    except KeyboardInterrupt:
        click.echo("ghmc: interrupted", err=True)
        sys.exit(EXIT_FAILURE)
    except Exception as exc:  # the one place where errors become exit codes
        _fail(exc, debug)
    sys.exit(EXIT_OK)


if __name__ == "__main__":
    main()
