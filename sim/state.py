"""The simulator's state: the generated world, its history engines, and the current day."""

from __future__ import annotations

import datetime as dt
import threading

from sim.activity import Activity
from sim.billing import Billing
from sim.config import SCALES, SimConfig
from sim.copilot import Copilot
from sim.delivery import Delivery
from sim.history import History
from sim.ids import day_start
from sim.reports import Reports
from sim.shapes.common import Ctx
from sim.world import World, build_world


class State:
    """Everything the routes read; `today` is the only thing that changes."""

    def __init__(self, config: SimConfig) -> None:
        scale = SCALES[config.scale]
        self.config = config
        self.world: World = build_world(
            config.seed, scale, config.today - dt.timedelta(days=scale.days)
        )
        cache = 32768 if config.scale == "large" else 8192
        self.activity = Activity(self.world, cache)
        self.delivery = Delivery(self.world, self.activity, cache)
        self.copilot = Copilot(config.seed)
        self.history = History(self.world, self.activity, self.delivery, self.copilot)
        self.reports = Reports(self.world, self.activity, self.copilot)
        self.billing = Billing(self.world, self.copilot)
        self.api_url = ""
        self.download_url = ""
        self._today = config.today
        self._lock = threading.Lock()

    @property
    def today(self) -> dt.date:
        """The current simulated day; "now" is 00:00 UTC of it."""
        return self._today

    def advance(self, days: int = 1) -> None:
        """Move to a later day."""
        with self._lock:
            self._today += dt.timedelta(days=days)

    @property
    def now(self) -> int:
        """Epoch seconds of the world's present moment."""
        return day_start(self._today)

    def ctx(self) -> Ctx:
        """A rendering context for the present moment."""
        return Ctx(self.api_url, self.now)
