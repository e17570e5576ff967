"""What every collector gets: the enterprise, its clients, the plan index, counters and clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from config import Config, EnterpriseConfig
from ingest.client import Downloader, GitHubClient
from ingest.errors import AuthFailed, PermissionDenied, RequestError
from ingest.fetch import Fetcher, Page, Req, RunStats
from ingest.gql_detail import Detail
from ingest.plan import PlanIndex
from ingest.summaries import Summary

log = logging.getLogger("ghmc.ingest")

ProgressHook = Callable[..., None]
"""progress(enterprise_id, **fields): phase, repos_done, repos_total, requests, rate_left."""


@dataclass
class Ctx:
    """One enterprise's collection run."""

    cfg: Config
    ent: EnterpriseConfig
    index: PlanIndex
    fetcher: Fetcher
    client: GitHubClient
    billing_client: GitHubClient
    downloader: Downloader
    stats: RunStats
    now: float
    progress: ProgressHook
    denied: set[tuple[str, str]] = field(default_factory=set)
    pushed_at: dict[str, str] = field(default_factory=dict)
    """`pushed_at` per repo full name, from the org repo lists fetched in this run."""
    detail: Detail | None = None
    """Per-item detail through GraphQL (`[ingest] detail = "graphql"`); None: REST per item."""

    @property
    def today(self) -> date:
        """The UTC day of the run."""
        return datetime.fromtimestamp(self.now, UTC).date()

    def iso_days_ago(self, days: int) -> str:
        """Midnight UTC `days` days before today, as GitHub's ISO timestamp."""
        return f"{(self.today - timedelta(days=days)).isoformat()}T00:00:00Z"

    def history_cutoff(self) -> str:
        """Start of the first-run backfill of repository activity."""
        return self.iso_days_ago(self.cfg.history_days)

    def requests_sent(self) -> int:
        """Requests sent so far by this run's clients."""
        clients = {id(self.client): self.client, id(self.billing_client): self.billing_client}
        return sum(c.counters.sent for c in clients.values()) + self.downloader.counters.sent

    def report(self, phase: str, **fields: Any) -> None:
        """Update the progress display."""
        self.progress(
            self.ent.id,
            phase=phase,
            requests=self.requests_sent(),
            rate_left=self.client.rate.remaining,
            **fields,
        )

    def is_denied(self, family: str, scope: str) -> bool:
        """Whether a permission error already ruled this family out for this scope."""
        return (family, scope) in self.denied

    @contextmanager
    def guard(self, family: str, scope: str) -> Iterator[None]:
        """Turn a failed request into a recorded error; permission errors stop the family for
        the scope (one message, no retry storm); a refused token stops the run."""
        try:
            yield
        except AuthFailed:
            raise
        except PermissionDenied as exc:
            self.denied.add((family, scope))
            self.stats.add_error(exc.message)
            log.error("%s", exc.message)
        except RequestError as exc:
            self.stats.add_error(exc.message)
            log.warning("%s", exc.message)

    def walk(
        self,
        req: Req,
        *,
        stop: Callable[[Summary], bool] | None = None,
        refs: dict[str, Any] | None = None,
        client: GitHubClient | None = None,
        mark_complete: bool = True,
    ) -> list[Page]:
        """Fetch every page by Link rel="next" (until `stop` says the rest is known); the last page
        of a finished walk carries refs.walk_complete. Errors propagate after being archived."""
        pages: list[Page] = []
        url: str | None = None
        number = 1
        while True:

            def hook(summary: Summary, nxt: str | None) -> dict[str, Any]:
                done = nxt is None or (stop is not None and stop(summary))
                return {"walk_complete": True} if done and mark_complete else {}

            page = self.fetcher.fetch(
                req, url=url, page=number, refs=refs, refs_hook=hook, client=client
            )
            pages.append(page)
            if page.next_url is None or (stop is not None and stop(page.summary)):
                return pages
            url, number = page.next_url, number + 1
