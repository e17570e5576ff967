"""Billing usage answers (`usage.KINDS`: premium requests and AI credits) →
copilot_premium_requests, per day; definitions and sources in `usage`."""

TABLES = ("copilot_premium_requests",)
BUILT_ON: tuple[str, ...] = ()
