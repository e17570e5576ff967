"""Copilot seat lists (`snapshots.KINDS`) → copilot_seats, one snapshot per UTC day; definitions
and sources in `snapshots`."""

from projections.definitions.seats import schema

TABLES = tuple(t.name for t in schema.TABLES)
BUILT_ON: tuple[str, ...] = ()
