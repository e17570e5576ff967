"""`Simulator`: the public entry point that wires state, servers, tokens and the truth API."""

from __future__ import annotations

import datetime as dt
import threading
from types import TracebackType

from sim.app import App
from sim.config import SCALES, FaultConfig, SimConfig
from sim.downloads import ReportFiles, Signer
from sim.faults import Faults
from sim.gql.budget import PointsBudget
from sim.gql.endpoint import GraphQLEndpoint
from sim.ids import sha1hex
from sim.ratelimit import RateLimiter
from sim.server import (
    ApiHandler,
    DownloadHandler,
    LogEntry,
    RequestLog,
    Server,
    Services,
    start_server,
)
from sim.state import State
from sim.tokens import FULL_SCOPES, Tokens
from sim.truth import Truth


class Simulator:
    """A deterministic fake GitHub on loopback: `with Simulator(SimConfig(...)) as sim: …`."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        if self.config.scale not in SCALES:
            msg = f"unknown scale {self.config.scale!r}; choose from {', '.join(SCALES)}"
            raise ValueError(msg)
        self.state = State(self.config)
        self.tokens = Tokens(self.config.seed)
        self.limiter = RateLimiter(
            self.config.rate_limit, self.config.rate_window_s, self.config.clock
        )
        self.graphql_budget = PointsBudget(
            self.config.graphql_points,
            self.config.rate_window_s,
            self.config.graphql_points_per_minute,
            self.config.clock,
        )
        self.signer = Signer(
            sha1hex("signing", self.config.seed).encode(), self.config.clock, self.config.link_ttl_s
        )
        per_file = 8 if self.config.scale == "small" else 500
        self.files = ReportFiles(self.state.reports, per_file)
        self.app = App(
            self.state,
            tokens=self.tokens,
            limiter=self.limiter,
            clock=self.config.clock,
            files=self.files,
            signer=self.signer,
        )
        self.faults = Faults(self.config.faults)
        self.log = RequestLog()
        self.truth = Truth(self.state)
        self._servers: list[tuple[Server, threading.Thread]] = []
        self._full = {
            slug: self.tokens.make(
                slug, self._admin(slug), FULL_SCOPES, self.config.token_expiration
            )
            for slug in self.state.world.enterprises
        }

    def _admin(self, slug: str) -> str:
        return self.state.world.enterprises[slug].users[0]

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> Simulator:
        """Start both servers on loopback (free ports unless configured)."""
        services = Services(
            self.app,
            self.faults,
            self.log,
            self.config.clock,
            self.config.latency_ms,
            self.signer,
            self.files,
            [0],
            threading.Lock(),
            GraphQLEndpoint(self.state, self.tokens, self.graphql_budget),
        )
        api = start_server(ApiHandler, services, self.config.host, self.config.port)
        downloads = start_server(
            DownloadHandler, services, self.config.host, self.config.download_port
        )
        self._servers = [api, downloads]
        self.state.api_url = f"http://localhost:{api[0].server_address[1]}"
        self.state.download_url = f"http://127.0.0.1:{downloads[0].server_address[1]}"
        return self

    def stop(self) -> None:
        """Stop the servers."""
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers = []

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # addresses and world -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The API base URL, e.g. `http://localhost:51234`."""
        return self.state.api_url

    @property
    def download_base_url(self) -> str:
        """The report download host, e.g. `http://127.0.0.1:51235` (a different host)."""
        return self.state.download_url

    @property
    def enterprises(self) -> list[str]:
        """Enterprise slugs."""
        return list(self.state.world.enterprises)

    def orgs(self, slug: str) -> list[str]:
        """Org logins of an enterprise."""
        return list(self.state.world.enterprises[slug].orgs)

    # tokens ------------------------------------------------------------------------------
    def token(self, slug: str) -> str:
        """A full-scope token of the enterprise (`ghp_sim…`)."""
        return self._full[slug]

    def make_token(
        self, slug: str, scopes: list[str], expires_at: dt.datetime | None = None
    ) -> str:
        """A token with exactly these classic scopes."""
        return self.tokens.make(slug, self._admin(slug), tuple(scopes), expires_at)

    # time and faults ---------------------------------------------------------------------
    @property
    def today(self) -> dt.date:
        """The simulated current day."""
        return self.state.today

    def advance_day(self, n: int = 1) -> None:
        """Move the world n days forward."""
        self.state.advance(n)

    def set_faults(self, faults: FaultConfig) -> None:
        """Replace the fault configuration."""
        self.faults.set(faults)

    @property
    def request_log(self) -> list[LogEntry]:
        """A snapshot of every request seen so far."""
        return self.log.snapshot()

    def clear_log(self) -> None:
        """Forget the request log."""
        self.log.clear()
