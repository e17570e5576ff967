"""Billing usage → copilot_premium_requests (premium requests and AI credits, per day).

Definitions: one daily usage answer (GitHub REST "Get billing premium request usage report" /
"…AI credit usage…": `timePeriod`, `usageItems[]`) is identified by its enterprise, source, day
(query `year`/`month`/`day`, else `timePeriod`), organization and user filters; the latest fetch of
that answer wins (a 304 re-confirms it) and its usageItems become rows keyed by product, sku and
model (repeated items summed). Answers without a day (monthly or yearly) are not daily rows and are
skipped. source_event_id = the earliest event that delivered the winning content.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from archive import kinds
from projections.definitions.shared.observe import Observer, Order, Versioned
from projections.engine.events import Fetched

KINDS = frozenset({kinds.BILLING_PREMIUM_REQUEST_USAGE, kinds.BILLING_AI_CREDIT_USAGE})
SOURCES = {
    kinds.BILLING_PREMIUM_REQUEST_USAGE: "premium_request",
    kinds.BILLING_AI_CREDIT_USAGE: "ai_credit",
}
AMOUNTS = (
    "pricePerUnit",
    "grossQuantity",
    "grossAmount",
    "discountQuantity",
    "discountAmount",
    "netQuantity",
    "netAmount",
)
Item = tuple[str, str, str, str, tuple[float | None, ...]]
"""(product, sku, model, unitType, amounts in AMOUNTS order)."""


def _day(ev: Fetched, body: dict[str, Any]) -> str | None:
    query = (ev.request or {}).get("query") or {}
    period = body.get("timePeriod") if isinstance(body.get("timePeriod"), dict) else {}
    assert isinstance(period, dict)
    parts = []
    for name in ("year", "month", "day"):
        value = query.get(name, period.get(name))
        try:
            parts.append(int(str(value)))
        except (TypeError, ValueError):
            return None
    return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"


def _amount(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def extract(ev: Fetched, body: Any) -> list[tuple[Hashable, Any]]:
    """One (answer identity, items) pair per daily usage answer."""
    if not isinstance(body, dict):
        return []
    day = _day(ev, body)
    if day is None:
        return []
    query = (ev.request or {}).get("query") or {}
    org = str(query.get("organization") or ev.org or body.get("organization") or "")
    user = str(query.get("user") or body.get("user") or "")
    items: list[Item] = []
    for it in body.get("usageItems") or []:
        if isinstance(it, dict):
            items.append(
                (
                    str(it.get("product") or ""),
                    str(it.get("sku") or ""),
                    str(it.get("model") or ""),
                    str(it.get("unitType") or ""),
                    tuple(_amount(it, n) for n in AMOUNTS),
                )
            )
    return [((ev.enterprise_id or "", day, org, user, SOURCES[ev.kind]), tuple(items))]


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None and b is None else (a or 0.0) + (b or 0.0)


class PremiumCollector:
    """Daily premium-request and AI-credit usage."""

    kinds = KINDS

    def __init__(self) -> None:
        self.answers: Versioned[tuple[str, str, str, str, str], tuple[Item, ...]] = Versioned()
        self.observer = Observer(extract, self._sink)

    def _sink(self, key: Hashable, order: Order, record: Any, event_id: str) -> None:
        self.answers.offer(key, order, record, event_id)  # type: ignore[arg-type]

    def add(self, ev: Fetched) -> None:
        """Observe one billing answer."""
        self.observer.add(ev)

    def rows(self) -> list[tuple[object, ...]]:
        """copilot_premium_requests rows."""
        self.observer.finish()
        out: dict[tuple[str, ...], list[Any]] = {}
        for (ent, day, org, user, source), items, event_id in self.answers.winners():
            for product, sku, model, unit, amounts in items:
                key = (ent, day, org, user, source, product, sku, model)
                cur = out.get(key)
                if cur is None:
                    out[key] = [unit, *amounts, event_id]
                    continue
                # price per unit is not additive: keep the first; quantities and amounts add up
                cur[2:8] = [_sum(a, b) for a, b in zip(cur[2:8], amounts[1:], strict=True)]
        return [(*k, *v) for k, v in sorted(out.items())]
