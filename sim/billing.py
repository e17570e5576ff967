"""Premium-request and AI-credit spend per (day, user, model), with monthly included allowances."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sim.copilot import Copilot
from sim.world import User, World


@dataclass(frozen=True)
class Sku:
    """A billed SKU."""

    source: str  # premium_request | ai_credit
    product: str
    sku: str
    unit_type: str
    price: float
    allowance: float  # included quantity per user and month


PREMIUM = Sku("premium_request", "Copilot", "Copilot Premium Request", "requests", 0.04, 300.0)
AI_CREDITS = Sku("ai_credit", "Copilot", "Copilot AI Credits", "credits", 0.01, 1500.0)
SKUS = {PREMIUM.source: PREMIUM, AI_CREDITS.source: AI_CREDITS}


@dataclass(frozen=True, slots=True)
class SpendRow:
    """Usage of one user, day and model."""

    day: dt.date
    user: User
    org: str
    model: str
    sku: Sku
    gross_quantity: float
    discount_quantity: float

    @property
    def net_quantity(self) -> float:
        """Billed quantity after the included allowance."""
        return self.gross_quantity - self.discount_quantity


@dataclass(frozen=True)
class Period:
    """The time period of a billing query, echoed as `timePeriod`."""

    year: int
    month: int | None
    day: int | None

    def contains(self, day: dt.date) -> bool:
        """Whether the day falls in the period."""
        return (
            day.year == self.year
            and (self.month is None or day.month == self.month)
            and (self.day is None or day.day == self.day)
        )

    def json(self) -> dict[str, int]:
        """The `timePeriod` object."""
        out = {"year": self.year}
        if self.month is not None:
            out["month"] = self.month
        if self.day is not None:
            out["day"] = self.day
        return out


def parse_period(query: dict[str, str], today: dt.date) -> Period:
    """GitHub's defaults: current year; current month unless only `year` is given."""
    year = int(query["year"]) if "year" in query else today.year
    month: int | None = int(query["month"]) if "month" in query else None
    day = int(query["day"]) if "day" in query else None
    if month is None and ("year" not in query or day is not None):
        month = today.month
    if not 1 <= (month or 1) <= 12 or not 1 <= (day or 1) <= 31:
        msg = "invalid month or day"
        raise ValueError(msg)
    return Period(year, month, day)


class Billing:
    """Spend rows from Copilot activity."""

    def __init__(self, world: World, copilot: Copilot) -> None:
        self.world = world
        self.copilot = copilot
        self.user_month = functools.lru_cache(maxsize=16384)(self._user_month)

    def _user_month(
        self, user: User, source: str, year: int, month: int, until: dt.date
    ) -> tuple[SpendRow, ...]:
        sku = SKUS[source]
        used = 0.0
        rows: list[SpendRow] = []
        for d in range(1, calendar.monthrange(year, month)[1] + 1):
            day = dt.date(year, month, d)
            if day >= until:
                break
            ud = self.copilot.user_day(user, day)
            if ud is None:
                continue
            for model, qty in ud.premium if source == "premium_request" else ud.credits:
                discount = max(0.0, min(qty, sku.allowance - used))
                used += qty
                rows.append(SpendRow(day, user, user.orgs[0], model, sku, qty, discount))
        return tuple(rows)

    def rows(self, enterprise: str, source: str, period: Period, today: dt.date) -> list[SpendRow]:
        """All rows of the enterprise in the period (complete days only: before `today`)."""
        months = [period.month] if period.month else list(range(1, 13))
        out: list[SpendRow] = []
        for user in self.world.humans(enterprise):
            if user.seat_day is None:
                continue
            for month in months:
                if dt.date(period.year, month, 1) >= today:
                    continue
                out.extend(
                    r
                    for r in self.user_month(user, source, period.year, month, today)
                    if period.contains(r.day)
                )
        return out


def usage_json(rows: list[SpendRow], period: Period, head: dict[str, str]) -> dict[str, Any]:
    """The official usage report body: `usageItems` grouped by (product, sku, model)."""
    groups: dict[tuple[str, str, str], list[SpendRow]] = {}
    for row in rows:
        groups.setdefault((row.sku.product, row.sku.sku, row.model), []).append(row)
    items = []
    for (product, sku_name, model), members in sorted(groups.items()):
        sku = members[0].sku
        gross = sum(r.gross_quantity for r in members)
        discount = sum(r.discount_quantity for r in members)
        items.append(
            {
                "product": product,
                "sku": sku_name,
                "model": model,
                "unitType": sku.unit_type,
                "pricePerUnit": sku.price,
                "grossQuantity": round(gross, 2),
                "grossAmount": round(gross * sku.price, 4),
                "discountQuantity": round(discount, 2),
                "discountAmount": round(discount * sku.price, 4),
                "netQuantity": round(gross - discount, 2),
                "netAmount": round((gross - discount) * sku.price, 4),
            }
        )
    return {"timePeriod": period.json(), **head, "usageItems": items}
