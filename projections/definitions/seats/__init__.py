"""Copilot seat lists (`snapshots.KINDS`) → copilot_seats, one snapshot per UTC day; definitions
and sources in `snapshots`."""

TABLES = ("copilot_seats",)
BUILT_ON: tuple[str, ...] = ()
