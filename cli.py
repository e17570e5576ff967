"""ghmc command line: parse options, call one library function, print the result.

Errors become exit codes here and nowhere else (design §7), in `_exit_code_for`:
0 success · 1 failure · 2 bad usage or invalid config · 3 partial collection · 4 lock held.
`daily` and `demo` end with the worst code of their steps (`JobFailed`). SIGTERM stops a run
like Ctrl-C (ingest marks the run `interrupted`, the lock is released) and exits 1.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

import config as config_mod
from ingest.collectors import FAMILIES

if TYPE_CHECKING:
    from jobs.daily import StepOutcome

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_LOCKED = 4

F = TypeVar("F", bound=Callable[..., Any])


class JobFailed(Exception):  # noqa: N818 - an outcome of several steps
    """Some steps of `daily` (or of a demo day) failed; the exit code is the worst step's."""

    def __init__(self, job: str, steps: Sequence[StepOutcome]) -> None:
        self.errors = [(s.name, s.error) for s in steps if s.error is not None]
        names = ", ".join(f"{name} (exit {_exit_code_for(e)})" for name, e in self.errors)
        super().__init__(f"{job}: {len(self.errors)} step(s) did not succeed: {names}")

    def codes(self) -> list[int]:
        """The exit code of every failed step."""
        return [_exit_code_for(error) for _, error in self.errors]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop like Ctrl-C (runs are marked interrupted, locks released)."""


def _exit_code_for(exc: BaseException) -> int:
    """Map a library exception (or a job's failed steps) to the documented exit code."""
    if isinstance(exc, JobFailed):
        return _worst(exc.codes())
    if isinstance(exc, config_mod.ConfigError | click.UsageError):
        return EXIT_USAGE
    from archive.errors import LockHeld
    from ingest.errors import PartialCollection

    if isinstance(exc, LockHeld):
        return EXIT_LOCKED
    if isinstance(exc, PartialCollection):
        return EXIT_PARTIAL
    return EXIT_FAILURE


def _worst(codes: list[int]) -> int:
    """The exit code of the worst step: lock (4) > failure (1) > usage (2) > partial (3) > ok."""
    for code in (EXIT_LOCKED, EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL):
        if code in codes:
            return code
    return EXIT_OK


def _scrubbed(text: str) -> str:
    """`text` without any rendering of a registered token (see ingest.secrets)."""
    from ingest.secrets import scrub

    return scrub(text)


def _fail(exc: BaseException, debug: bool) -> int:
    """Print the error (a traceback only with --debug); return its exit code."""
    code = _exit_code_for(exc)
    if debug:
        import traceback

        click.echo(_scrubbed("".join(traceback.format_exception(exc))), err=True, nl=False)
    message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    click.echo(f"ghmc: {_scrubbed(message or type(exc).__name__)}", err=True)
    return code


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
        from ingest.secrets import register_secret

        for ent in cfg.enterprises:
            register_secret(ent.token())
            register_secret(ent.billing_token())
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


# --- ingest commands (ingest/) ------------------------------------------------------------------


@cli.command("ingest")
@click.option("--enterprise", "enterprise_ids", multiple=True, help="Only this enterprise id.")
@click.option(
    "--only", "families", multiple=True, type=click.Choice(FAMILIES), help="Only this family."
)
@pass_ctx
def ingest_cmd(ctx: Context, enterprise_ids: tuple[str, ...], families: tuple[str, ...]) -> None:
    """Collect from GitHub into the archive (progress on a terminal; exit 3 if partial)."""
    import archive
    from ingest import Progress, run_ingest

    cfg = ctx.config_with_tokens()
    for ent_id in enterprise_ids:
        cfg.enterprise(ent_id)
    with archive.RunLock(cfg.data_dir):
        progress = Progress()
        result = run_ingest(
            cfg, enterprise_ids=enterprise_ids, families=families, progress=progress
        )
        progress.close()
    for line in result.lines():
        click.echo(line)
    result.raise_for_status()


@cli.command("runs")
@click.option("--enterprise", default=None, help="Only this enterprise id.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many runs."
)
@pass_ctx
def runs_cmd(ctx: Context, enterprise: str | None, limit: int) -> None:
    """Recent collection runs (from the run.started / run.finished events)."""
    from ingest import list_runs

    runs = list_runs(ctx.config.raw_dir, enterprise_id=enterprise, limit=limit)
    if not runs:
        click.echo("no collection runs in the archive yet")
    for run in runs:
        click.echo(run.line())
        for error in run.errors[:3]:
            click.echo(f"    error: {error}")
        for warning in run.warnings[:3]:
            click.echo(f"    warning: {warning}")


# --- archive commands (auditors) ----------------------------------------------------------------


@cli.command("verify")
@click.option("--repair", is_flag=True, help="First recover what an interrupted run left.")
@pass_ctx
def verify_cmd(ctx: Context, repair: bool) -> None:
    """Re-hash every archive file and event body; exit 1 naming the first damage."""
    import archive
    from archive.present import verify_text

    if repair:
        with archive.RunLock(ctx.config.data_dir):
            for action in archive.repair_archive(ctx.config.raw_dir).actions:
                click.echo(f"repaired: {action}")
    cfg = ctx.config
    traces = (cfg.db_path, cfg.backup.dir, cfg.logs_dir)  # left only by earlier runs
    report = archive.verify_archive(cfg.raw_dir, traces=traces)
    click.echo(verify_text(report))
    if not report.ok:
        raise archive.ArchiveDamaged(f"archive damaged: {report.first_problem}")


@cli.group("events")
def events_grp() -> None:
    """Browse archived events (what GitHub answered, exactly)."""


def _since(value: str | None) -> str | None:
    """Check a --since bound: a date or an ISO timestamp."""
    from datetime import datetime

    if value is not None:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise click.BadParameter(f"{value!r} is not YYYY-MM-DD or an ISO timestamp") from None
    return value


@events_grp.command("list")
@click.option("--kind", "kinds", multiple=True, help="Only this kind (repeatable).")
@click.option("--enterprise", default=None, help="Only this enterprise id.")
@click.option("--since", default=None, help="Fetched at or after this UTC date or timestamp.")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most this many events.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines (default when not a terminal).")
@pass_ctx
def events_list_cmd(
    ctx: Context,
    *,
    kinds: tuple[str, ...],
    enterprise: str | None,
    since: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """List events in seq order: a table on a terminal, JSON lines (without bodies) otherwise."""
    import itertools

    import orjson

    import archive
    from archive import present

    unknown = [k for k in kinds if not archive.is_known(k)]
    if unknown:
        raise click.BadParameter(f"unknown kind(s) {', '.join(unknown)}", param_hint="--kind")
    found = archive.read_dicts(
        ctx.config.raw_dir, kinds or None, enterprise_id=enterprise, fetched_from=_since(since)
    )
    envs = itertools.islice(found, limit)
    if as_json or not sys.stdout.isatty():
        for env in envs:
            click.echo(orjson.dumps(present.without_body(env)).decode())
        return
    click.echo(present.table(present.EVENT_COLUMNS, (present.event_row(e) for e in envs)))


@events_grp.command("show")
@click.argument("event_id")
@click.option("--body", "body", is_flag=True, help="Write the body exactly as received.")
@pass_ctx
def events_show_cmd(ctx: Context, event_id: str, body: bool) -> None:
    """Show one event's envelope (or, with --body, its body bytes) by id or unique id prefix."""
    import orjson

    import archive
    from archive.present import without_body

    event = archive.find_event(ctx.config.raw_dir, event_id)
    if event is None:
        raise click.ClickException(f"no event with id {event_id}")
    if body:
        sys.stdout.flush()
        sys.stdout.buffer.write(event.body_bytes() or b"")
        sys.stdout.buffer.flush()
        return
    text = orjson.dumps(without_body(event.to_dict()), option=orjson.OPT_INDENT_2)
    click.echo(text.decode())


@cli.group("audit")
def audit_grp() -> None:
    """Query the archive with SQL."""


@audit_grp.command("sql")
@click.argument("sql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv"]),
    default=None,
    help="Output format (default: table on a terminal, CSV otherwise).",
)
@pass_ctx
def audit_sql_cmd(ctx: Context, sql: str, fmt: str | None) -> None:
    """Run SQL (DuckDB) over the view `events`: envelope columns plus `body` text."""
    from archive import duck, present

    if not sql.strip():
        raise click.UsageError('give the SQL to run, e.g. audit sql "SELECT count(*) FROM events"')
    try:
        names, rows = duck.query(ctx.config.raw_dir, sql)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if (fmt or ("table" if sys.stdout.isatty() else "csv")) == "table":
        click.echo(present.table(names, rows))
    else:
        click.echo(present.csv_text(names, rows), nl=False)


@cli.command("status")
@pass_ctx
def status_cmd(ctx: Context) -> None:
    """Archive size and head hash, events per kind."""
    import archive
    from archive.present import status_text

    click.echo(status_text(archive.archive_stats(ctx.config.raw_dir)))


# --- projection commands (projections/) ---------------------------------------------------------


def _run_lock(cfg: config_mod.Config) -> Any:
    """The lock `daily` holds: a command that writes metrics.db, exports or backups never runs
    beside another one (a `replay` overwritten by the scheduled job's `project`); exit 4."""
    import archive

    return archive.RunLock(cfg.data_dir)


@cli.command("project")
@pass_ctx
def project_cmd(ctx: Context) -> None:
    """Bring metrics.db up to date with the archive (rebuilds changed definitions)."""
    import projections

    cfg = ctx.config
    settings = projections.Settings.from_config(cfg)
    with _run_lock(cfg):
        report = projections.project(cfg.raw_dir, cfg.db_path, settings)
    click.echo(report.summary())


@cli.command("replay")
@click.option("--from", "from_day", required=True, help="First metric date (YYYY-MM-DD).")
@click.option("--table", "tables", multiple=True, help="Only this table (repeatable).")
@pass_ctx
def replay_cmd(ctx: Context, from_day: str, tables: tuple[str, ...]) -> None:
    """Recompute the projections for metric dates ≥ --from (older rows stay as they are).

    A week or month that contains the date is recomputed whole. Rows kept under an older
    definition stay kept by later `project` runs.
    """
    import projections

    cfg = ctx.config
    settings = projections.Settings.from_config(cfg)
    try:
        with _run_lock(cfg):
            report = projections.replay(
                cfg.raw_dir, cfg.db_path, settings, from_day, tables or None
            )
    except projections.ReplayOptionError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(report.summary())


# --- export commands (export/) ------------------------------------------------------------------


@cli.command("export")
@click.option(
    "--to",
    "to_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write into this folder instead of [export] dir (the OneDrive copy is still made).",
)
@pass_ctx
def export_cmd(ctx: Context, to_dir: Path | None) -> None:
    """Write one CSV.GZ per table plus manifest.json, and copy them to the OneDrive folder."""
    import export

    cfg = ctx.config
    with _run_lock(cfg):
        report = export.export_tables(
            cfg.db_path,
            to_dir or cfg.export.dir,
            cfg.export.onedrive_dir,
            cfg.export.keep_days,
            raw_dir=cfg.raw_dir,  # checked before publishing; lineage from metrics.db
            formats=cfg.export.formats,
        )
    for f in report.files:
        click.echo(f"{f.name:<40} {f.rows:>10} rows  {f.bytes:>12} bytes")
    where = f" and {report.onedrive_dir}" if report.onedrive_dir else ""
    count = len(report.files)
    click.echo(f"exported {report.rows:,} rows in {count} files to {report.out_dir}{where}")


# --- dashboards (dashboards/) --------------------------------------------------------------------


@cli.command("powerbi")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the project here (default: <data_dir>/powerbi).",
)
@click.option(
    "--source",
    type=click.Choice(["folder", "sharepoint"]),
    default="folder",
    show_default=True,
    help="Default of the GhmcSource parameter: the export folder, or a SharePoint URL to set.",
)
@pass_ctx
def powerbi_cmd(ctx: Context, out_dir: Path | None, source: str) -> None:
    """Write a Power BI Project (PBIP: TMDL model + PBIR report) over the export, and a zip."""
    from dashboards import powerbi

    cfg = ctx.config
    written = powerbi.write(
        out_dir or cfg.data_dir / "powerbi",
        source=source,
        export_folder=cfg.export.onedrive_dir or cfg.export.dir,
    )
    click.echo(f"wrote {written.files} files: open {written.pbip} in Power BI Desktop")
    click.echo(f"zip: {written.zip_path}")


@cli.command("report")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file (default: ghmc-report.html in the export folder).")  # fmt: skip
@click.option("--since", default=None, help="Only metric dates on or after this day (YYYY-MM-DD).")
@click.option("--enterprise", "enterprise_ids", multiple=True, help="Only this enterprise id.")
@pass_ctx
def report_cmd(
    ctx: Context, out: Path | None, since: str | None, enterprise_ids: tuple[str, ...]
) -> None:
    """Write the offline HTML report (Copilot, spend, DORA, velocity, data) from metrics.db."""
    import projections
    from dashboards.report import REPORT_NAME, build_report

    cfg = ctx.config
    if since is not None:
        _since_day(since)
    versions = projections.definition_versions(projections.Settings.from_config(cfg))
    report, paths = build_report(
        cfg.db_path,
        out or cfg.export.dir / REPORT_NAME,
        since=since,
        enterprises=enterprise_ids,
        expected_versions=versions,
    )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    size = len(report.html) / 1e6
    click.echo(f"wrote {paths[0]} ({size:.1f} MB, {report.rows:,} rows, {report.seconds:.1f} s)")


def _since_day(value: str) -> None:
    """Check a --since day (YYYY-MM-DD); bad usage otherwise."""
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD", param_hint="--since") from None


@cli.command("backup")
@click.option("--weekly", is_flag=True, help="Also write the weekly gzipped SQL dump.")
@pass_ctx
def backup_cmd(ctx: Context, weekly: bool) -> None:
    """Back up metrics.db (verified), mirror new sealed archive segments, prune old backups."""
    import export

    cfg = ctx.config
    with _run_lock(cfg):
        report = export.backup(
            cfg.db_path,
            cfg.raw_dir,
            cfg.backup.dir,
            weekly=weekly,
            daily_keep_days=cfg.backup.keep_days,
            weekly_keep_weeks=cfg.backup.keep_weeks,
        )
    click.echo(f"daily backup:  {report.daily_path} ({sum(report.table_rows.values())} rows)")
    if report.weekly_path is not None:
        click.echo(f"weekly dump:   {report.weekly_path}")
    click.echo(f"raw mirror:    {len(report.raw_copied)} files copied, {report.raw_present} sealed")
    for path in report.pruned:
        click.echo(f"pruned:        {path}")


@cli.command("schedule")
@click.option("--time", "at", default="08:00", show_default=True, help="Daily start, HH:MM local.")
@click.option("--print", "print_only", is_flag=True, help="Print the Task Scheduler XML only.")
@pass_ctx
def schedule_cmd(ctx: Context, at: str, print_only: bool) -> None:
    """Install the daily job in Windows Task Scheduler (elsewhere: print a cron line)."""
    from datetime import date

    from export import schedule

    cfg = ctx.config
    spec = schedule.TaskSpec(
        python=Path(sys.executable),
        cli=Path(__file__).resolve(),
        config=ctx.config_path.resolve(),
        logs_dir=cfg.logs_dir,
        at=config_mod.parse_time(at),
        start_day=date.today(),
    )
    if print_only:
        click.echo(schedule.task_xml(spec), nl=False)
    elif os.name != "nt":
        click.echo(schedule.cron_line(spec))
    else:
        xml_path = cfg.data_dir / f"{schedule.TASK_NAME}.xml"
        click.echo(schedule.install(spec, xml_path))
        click.echo(f"task {schedule.TASK_NAME} runs `daily` every day at {at} (from {xml_path})")


# --- the daily job and the demo (jobs/) ---------------------------------------------------------


def _step_code(step: StepOutcome) -> int:
    return EXIT_OK if step.error is None else _exit_code_for(step.error)


def _show_step(debug: bool) -> Callable[[StepOutcome], None]:
    """Print a step of the daily job as it ends: its detail lines, then one summary line."""

    def show(step: StepOutcome) -> None:
        for line in step.details:
            click.echo(f"         {line}")
        line = step.summary
        if step.error is not None:
            if debug:
                import traceback

                trace = "".join(traceback.format_exception(step.error))
                click.echo(_scrubbed(trace), err=True, nl=False)
            label = "partial" if _step_code(step) == EXIT_PARTIAL else "FAILED"
            line = f"{label}: {_scrubbed(str(step.error))}"
        click.echo(f"{step.name:<8} {line} ({step.seconds:.1f} s)")

    return show


@cli.command("daily")
@pass_ctx
def daily_cmd(ctx: Context) -> None:
    """The scheduled job: ingest, project, export, backup (weekly on Sundays), clean-up."""
    from jobs.daily import run_daily

    steps = run_daily(ctx.config_with_tokens(), on_step=_show_step(ctx.debug))
    if any(s.error is not None for s in steps):
        raise JobFailed("daily", steps)


@cli.command("demo")
@click.option("--days", type=click.IntRange(1, 60), default=3, show_default=True,
              help="Simulated days of the daily job.")  # fmt: skip
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo"), show_default=True, help="Folder for demo files.")  # fmt: skip
@click.option("--seed", type=int, default=7, show_default=True, help="Simulator seed.")
@click.option("--scale", type=click.Choice(["small", "medium"]), default="small",
              show_default=True, help="Size of the simulated enterprises.")  # fmt: skip
@pass_ctx
def demo_cmd(ctx: Context, days: int, workdir: Path, seed: int, scale: str) -> None:
    """Run the daily job for N simulated days against the built-in GitHub simulator."""
    from jobs import demo

    result = demo.run_demo(
        workdir, days=days, seed=seed, scale=scale, echo=click.echo, on_step=_show_step(ctx.debug)
    )
    cfg, config_path = result.config, result.config_path
    click.echo("\nwhere things are:")
    click.echo(f"  archive       {cfg.raw_dir}   (python cli.py --config {config_path} verify)")
    click.echo(f"  metrics.db    {cfg.db_path}")
    click.echo(f"  CSV.GZ        {cfg.export.dir}   (copy in {cfg.export.onedrive_dir})")
    click.echo(f"  report        {cfg.export.dir / 'ghmc-report.html'}   (open it in a browser)")
    click.echo("a few metrics:")
    for line in demo.summary(cfg):
        click.echo(line)
    steps = [s for day in result.days for s in day]
    if any(s.error is not None for s in steps):
        raise JobFailed("demo", steps)


@contextmanager
def _sigterm_stops_the_run() -> Iterator[None]:
    """While the CLI runs, SIGTERM raises `Terminated` in the main thread (like Ctrl-C)."""

    def stop(_signum: int, _frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (an embedding caller): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_TERMINATED = "ghmc: terminated (SIGTERM); a collection run is marked interrupted, the next resumes"


def _run(args: list[str], debug: bool) -> int:  # noqa: PLR0911 - one branch per outcome
    """Run the CLI; return the exit code of what happened (the one place that decides it)."""
    try:
        with _sigterm_stops_the_run():
            done = cli.main(args=args, prog_name="ghmc", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort as exc:  # click turns Ctrl-C (and so SIGTERM) into Abort
        if isinstance(exc.__cause__, Terminated):
            click.echo(_TERMINATED, err=True)
        else:
            click.echo("ghmc: aborted", err=True)
        return EXIT_FAILURE
    except click.UsageError as exc:
        exc.show()
        return EXIT_USAGE
    except Terminated:
        click.echo(_TERMINATED, err=True)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        click.echo("ghmc: interrupted", err=True)
        return EXIT_FAILURE
    except Exception as exc:  # the one place where errors become exit codes
        return _fail(exc, debug)
    # standalone_mode=False hands back the code of a `click.exceptions.Exit` instead of raising
    return done if isinstance(done, int) else EXIT_OK


def main(argv: list[str] | None = None) -> NoReturn:
    """Console-script entry point: run the CLI and exit with the code `_run` decided."""
    args = sys.argv[1:] if argv is None else argv
    sys.exit(_run(args, "--debug" in args))


if __name__ == "__main__":
    main()
