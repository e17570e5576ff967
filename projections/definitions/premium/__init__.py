"""Billing usage answers (`usage.KINDS`: premium requests and AI credits) →
copilot_premium_requests, per day; definitions and sources in `usage`."""

from projections.definitions.premium import schema

TABLES = tuple(t.name for t in schema.TABLES)
BUILT_ON: tuple[str, ...] = ()
