"""A collection run: per enterprise (in parallel threads), run.started → collectors → run.finished.

`run_ingest` opens the archive writer (recovering torn segments), builds each enterprise's plan
index in one pass, then runs the enterprises side by side; requests stay serial per token. The
caller holds the RunLock. Exit semantics: all ok → 0; some requests failed → PartialCollection
(exit 3); nothing could be collected → CollectionFailed (exit 1); see
`IngestResult.raise_for_status`.

"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson
import requests

from archive import ArchiveWriter, kinds
from archive.errors import ArchiveDamaged
from archive.listing import lost_archive
from config import Config, EnterpriseConfig
from ingest import logs
from ingest.client import Downloader, GitHubClient, utc_stamp
from ingest.collectors import FAMILIES, REPO_FAMILIES, copilot_reports, seats
from ingest.collectors import billing as billing_c
from ingest.collectors import commits as commits_c
from ingest.collectors import deployments as deployments_c
from ingest.collectors import incidents as incidents_c
from ingest.collectors import issue_events as issue_events_c
from ingest.collectors import pulls as pulls_c
from ingest.collectors import releases as releases_c
from ingest.collectors import repos as repos_c
from ingest.collectors import workflow_runs as runs_c
from ingest.context import Ctx, ProgressHook
from ingest.errors import AuthFailed, CollectionFailed, Interrupted, PartialCollection
from ingest.fetch import Fetcher, Recorder, RunStats
from ingest.gql_client import GraphQLClient
from ingest.gql_detail import Detail
from ingest.plan import PlanIndex, load_index
from ingest.progress import no_progress
from ingest.ratelimit import Clock, Sleep
from ingest.retry import RetryPolicy
from ingest.secrets import scrub

log = logging.getLogger("ghmc.ingest")

SessionFactory = Callable[[], requests.Session]
"""Makes a requests.Session (tests inject transports through it)."""

_REPO_COLLECTORS: tuple[tuple[str, Callable[[Ctx, str, str], None]], ...] = (
    ("pulls", pulls_c.collect),
    ("pulls", issue_events_c.collect),
    ("commits", commits_c.collect),
    ("workflow_runs", runs_c.collect),
    ("deployments", deployments_c.collect),
    ("releases", releases_c.collect),
    ("incidents", incidents_c.collect),
)


@dataclass(frozen=True)
class RunSummary:
    """What one enterprise's run did (the body of its run.finished event)."""

    run_id: str
    enterprise_id: str
    started_at: str
    finished_at: str
    status: str
    requests: int
    not_modified: int
    charged: int
    events: int
    bytes_received: int
    bytes_stored: int
    rate_limit_remaining_min: int | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error_count: int = 0
    rate_limit_waited_s: float = 0.0
    """Seconds spent waiting for primary rate-limit resets (the token's hourly budget ran out)."""
    graphql_queries: int = 0
    """GraphQL POSTs sent (not in `requests`: they spend the separate points budget)."""
    graphql_points: int = 0
    """GraphQL points charged (the sum of every answer's `rateLimit.cost`)."""
    graphql_waited_s: float = 0.0
    """Seconds waited for the GraphQL points budget (pacing, RATE_LIMITED, secondary limits)."""

    def line(self) -> str:
        """One line for the terminal."""
        text = (
            f"{self.enterprise_id}: {self.status} — {self.requests:,} requests "
            f"({self.not_modified:,} not modified, {self.charged:,} charged), {self.events:,} "
            f"events, {self.bytes_received / 1e6:,.1f} MB received"
        )
        if self.rate_limit_remaining_min is not None:  # None: GitHub never answered with one
            text += f", rate limit low {self.rate_limit_remaining_min}"
        if self.graphql_queries:
            text += f", {self.graphql_queries:,} GraphQL queries ({self.graphql_points:,} points)"
        if self.rate_limit_waited_s:
            text += f", waited {self.rate_limit_waited_s / 60:.0f} min for rate-limit resets"
        if self.error_count:
            text += f", {self.error_count} failed requests"
        return text


@dataclass(frozen=True)
class IngestResult:
    """The runs of one `ingest` invocation."""

    runs: tuple[RunSummary, ...]

    @property
    def status(self) -> str:
        """ok when every run is ok; failed when every run failed; else partial."""
        statuses = {r.status for r in self.runs}
        if statuses <= {"ok"}:
            return "ok"
        if statuses == {"failed"}:
            return "failed"
        return "partial"

    def lines(self) -> list[str]:
        """Summary, warnings and errors, one per line."""
        out = [r.line() for r in self.runs]
        out += [f"warning: {w}" for r in self.runs for w in r.warnings]
        out += [f"error: {e}" for r in self.runs for e in r.errors]
        return out

    def raise_for_status(self) -> None:
        """Raise PartialCollection (exit 3) or CollectionFailed (exit 1) unless all is ok."""
        errors = [e for r in self.runs for e in r.errors]
        first = errors[0] if errors else "unknown error"
        more = f" (and {len(errors) - 1} more; see the log)" if len(errors) > 1 else ""
        if self.status == "failed":
            raise CollectionFailed(f"nothing could be collected: {first}{more}")
        if self.status == "partial":
            raise PartialCollection(
                f"collection incomplete, the next run retries what is missing: {first}{more}"
            )


def new_run_id(now: float, enterprise_id: str) -> str:
    """A unique, sortable run id."""
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{enterprise_id}-{secrets.token_hex(3)}"


@dataclass
class _Env:
    """What every enterprise run shares."""

    cfg: Config
    writer: ArchiveWriter
    lock: threading.Lock
    families: frozenset[str]
    clock: Clock
    sleep: Sleep
    policy: RetryPolicy
    progress: ProgressHook
    session_factory: SessionFactory | None
    cancel: threading.Event = field(default_factory=threading.Event)


def run_ingest(
    cfg: Config,
    *,
    enterprise_ids: Iterable[str] = (),
    families: Iterable[str] = (),
    clock: Clock = time.time,
    sleep: Sleep = time.sleep,
    policy: RetryPolicy | None = None,
    progress: ProgressHook | None = None,
    session_factory: SessionFactory | None = None,
) -> IngestResult:
    """Collect every selected enterprise into the archive; the caller holds the RunLock."""
    wanted = list(enterprise_ids)
    ents = [cfg.enterprise(e) for e in wanted] if wanted else list(cfg.enterprises)
    fams = frozenset(families) or frozenset(FAMILIES)
    unknown = fams - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown family {sorted(unknown)[0]!r} (known: {', '.join(FAMILIES)})")
    # Never start a new chain where an archive vanished: its backup mirror is the trace (ingest
    # does not read metrics.db, and a `project` run before the first ingest leaves one too).
    lost = lost_archive(cfg.raw_dir, (cfg.backup.dir,))
    if lost:
        raise ArchiveDamaged(f"{lost} Nothing was collected.")
    teardown = logs.setup(cfg.logs_dir, keep_days=cfg.retention.logs_days, now=clock())
    cancel = threading.Event()
    try:
        with ArchiveWriter.open(cfg.raw_dir) as writer:
            indexes = {ent.id: load_index(cfg.raw_dir, ent.id) for ent in ents}
            env = _Env(
                cfg,
                writer,
                threading.Lock(),
                fams,
                clock,
                interruptible(sleep, cancel),
                policy or RetryPolicy(),
                progress or no_progress,
                session_factory,
                cancel,
            )
            with ThreadPoolExecutor(
                max_workers=max(1, len(ents)), thread_name_prefix="ingest"
            ) as pool:
                futures = [pool.submit(_run_enterprise, env, ent, indexes[ent.id]) for ent in ents]
                try:
                    runs = tuple(f.result() for f in futures)
                except BaseException:
                    env.cancel.set()
                    raise
        for run in runs:
            log.info("%s", run.line())
        return IngestResult(runs)
    finally:
        teardown()


def interruptible(sleep: Sleep, cancel: threading.Event) -> Sleep:
    """Wrap `sleep` so that a cancelled run (Ctrl-C, SIGTERM) stops waiting at once and raises
    Interrupted: a rate-limit wait can last until the hourly reset."""

    def wait(seconds: float) -> None:
        if sleep is time.sleep:
            cancel.wait(max(0.0, seconds))
        else:  # an injected (virtual) clock's sleep
            sleep(seconds)
        if cancel.is_set():
            raise Interrupted

    return wait


def _clients(env: _Env, ent: EnterpriseConfig) -> tuple[GitHubClient, GitHubClient, Downloader]:
    def session() -> requests.Session | None:
        return env.session_factory() if env.session_factory else None

    token = ent.token()
    billing_token = ent.billing_token()

    def client(tok: str) -> GitHubClient:
        return GitHubClient(
            api_url=ent.api_url,
            token=tok,
            api_version=env.cfg.api_version,
            enterprise_id=ent.id,
            policy=env.policy,
            clock=env.clock,
            sleep=env.sleep,
            session=session(),
        )

    api = client(token)
    billing = api if billing_token == token else client(billing_token)
    downloader = Downloader(policy=env.policy, clock=env.clock, sleep=env.sleep, session=session())
    return api, billing, downloader


def _run_enterprise(env: _Env, ent: EnterpriseConfig, index: PlanIndex) -> RunSummary:
    api, billing, downloader = _clients(env, ent)
    run_id = new_run_id(env.clock(), ent.id)
    stats = RunStats()
    recorder = Recorder(env.writer, env.lock, run_id, ent.id, stats)
    recorder.cancel = env.cancel
    started = utc_stamp(env.clock())
    _run_event(
        recorder,
        kinds.RUN_STARTED,
        started,
        {
            "run_id": run_id,
            "enterprise_id": ent.id,
            "started_at": started,
            "families": sorted(env.families),
            "history_days": env.cfg.history_days,
            "api_version": env.cfg.api_version,
            "events_planned_from": index.events_seen,
        },
    )
    log.info("run %s started for enterprise %s", run_id, ent.id)
    interrupted = False
    ctx = Ctx(
        env.cfg,
        ent,
        index,
        Fetcher(api, recorder, index),
        api,
        billing,
        downloader,
        stats,
        env.clock(),
        env.progress,
    )
    for c in {id(c): c for c in (api, billing)}.values():
        c.on_wait = lambda seconds, c=c: _waiting(ctx, c, seconds)
    if env.cfg.ingest.detail == "graphql":
        gql = _graphql_client(env, ent, api)
        gql.on_wait = lambda seconds: _waiting(ctx, api, seconds)
        ctx.detail = Detail(gql, recorder, stats)
    try:
        _collect(ctx, env.families, env.writer, env.lock)
    except AuthFailed as exc:
        stats.add_error(exc.message)
        log.error("%s", exc.message)
    except Interrupted:
        interrupted = True
        log.warning("run %s interrupted", run_id)
    except Exception as exc:  # a bug must not lose the run record
        message = f"enterprise {ent.id}: unexpected {type(exc).__name__}: {scrub(str(exc))}"
        stats.add_error(message)
        log.exception("%s", message)
    finally:
        clients = {id(c): c for c in (api, billing)}.values()
        for c in clients:
            for warning in c.warnings:
                stats.add_warning(warning)
                log.warning("%s", warning)
        for warning in _wait_warnings(ent.id, list(clients)):
            stats.add_warning(warning)
            log.warning("%s", warning)
        summary = _summary(
            run_id=run_id,
            enterprise_id=ent.id,
            started=started,
            finished=utc_stamp(env.clock()),
            stats=stats,
            clients=list(clients),
            downloader=downloader,
            interrupted=interrupted,
        )
        if ctx.detail is not None:
            summary = _with_graphql(summary, ctx.detail)
            ctx.detail.client.close()
        _run_event(recorder, kinds.RUN_FINISHED, summary.finished_at, asdict(summary))
        with env.lock:
            env.writer.flush()
        for c in clients:
            c.close()
        downloader.close()
        ctx.report(f"done ({summary.status})")
    return summary


def _graphql_client(env: _Env, ent: EnterpriseConfig, api: GitHubClient) -> GraphQLClient:
    return GraphQLClient(
        api_url=ent.api_url,
        token=ent.token(),
        api_version=env.cfg.api_version,
        enterprise_id=ent.id,
        credential=api.credential,
        policy=env.policy,
        clock=env.clock,
        sleep=env.sleep,
        session=env.session_factory() if env.session_factory else None,
    )


def _with_graphql(summary: RunSummary, detail: Detail) -> RunSummary:
    """The run's summary with its GraphQL figures (waits added to the rate-limit waits)."""
    rate = detail.client.rate
    waited = rate.waited + rate.waited_secondary
    return replace(
        summary,
        graphql_queries=detail.client.counters.sent,
        graphql_points=detail.client.points,
        graphql_waited_s=round(waited, 1),
        rate_limit_waited_s=round(summary.rate_limit_waited_s + waited, 1),
    )


def _wait_warnings(enterprise_id: str, clients: list[GitHubClient]) -> list[str]:
    """What the run's rate-limit waits mean, for its warnings."""
    primary = sum(c.rate.waited for c in clients)
    secondary = sum(c.rate.waited_secondary for c in clients)
    out = []
    if primary:
        out.append(
            f"enterprise {enterprise_id}: the token's hourly rate limit ran out; the run waited "
            f"{primary / 60:.0f} min for its reset (this day needed more than one hour of the "
            "token's budget; see README, Rate limits)"
        )
    if secondary:
        out.append(
            f"enterprise {enterprise_id}: GitHub's secondary rate limit refused requests; the run "
            f"waited {secondary / 60:.1f} min in all before retrying them"
        )
    return out


def _waiting(ctx: Ctx, client: GitHubClient, seconds: float) -> None:
    """Show a rate-limit wait on the progress display (it may last most of an hour)."""
    until = time.strftime("%H:%M", time.gmtime(client.clock() + seconds))
    ctx.report(f"rate limit spent: waiting {seconds / 60:.0f} min, until {until} UTC")


def _collect(
    ctx: Ctx, families: frozenset[str], writer: ArchiveWriter, lock: threading.Lock
) -> None:
    if "copilot" in families:
        copilot_reports.collect(ctx)
    if "seats" in families:
        seats.collect(ctx)
    if "billing" in families:
        billing_c.collect(ctx)
    repo_families = families & REPO_FAMILIES
    if "repos" not in families and not repo_families:
        return
    repos = repos_c.collect(ctx)
    ctx.report("repos", repos_done=0, repos_total=len(repos))
    for done, (org, name) in enumerate(repos, start=1):
        for family, collect in _REPO_COLLECTORS:
            if family in repo_families:
                collect(ctx, org, name)
        with lock:
            writer.flush()
        ctx.report("repos", repos_done=done, repos_total=len(repos))


def _summary(
    *,
    run_id: str,
    enterprise_id: str,
    started: str,
    finished: str,
    stats: RunStats,
    clients: list[GitHubClient],
    downloader: Downloader,
    interrupted: bool = False,
) -> RunSummary:
    counters = [c.counters for c in clients] + [downloader.counters]
    lows = [c.rate.lowest for c in clients if c.rate.lowest is not None]
    waited = sum(c.rate.waited + c.rate.waited_secondary for c in clients)
    if interrupted:
        status = "interrupted"
    elif not stats.error_count:
        status = "ok"
    elif stats.collected == 0:
        status = "failed"
    else:
        status = "partial"
    return RunSummary(
        run_id=run_id,
        enterprise_id=enterprise_id,
        started_at=started,
        finished_at=finished,
        status=status,
        requests=sum(c.sent for c in counters),
        not_modified=sum(c.not_modified for c in counters),
        charged=sum(c.charged for c in counters),
        events=stats.events,
        bytes_received=sum(c.bytes_received for c in counters),
        bytes_stored=stats.bytes_stored,
        rate_limit_remaining_min=min(lows) if lows else None,
        errors=list(stats.errors),
        warnings=list(stats.warnings),
        error_count=stats.error_count,
        rate_limit_waited_s=round(waited, 1),
    )


def _run_event(recorder: Recorder, kind: str, stamp: str, body: dict[str, Any]) -> None:
    with recorder.lock:
        recorder.writer.append(
            kind=kind,
            run_id=recorder.run_id,
            fetched_at=stamp,
            enterprise_id=recorder.enterprise_id,
            request={},
            response={},
            body=orjson.dumps(body),
            refs={},
        )
