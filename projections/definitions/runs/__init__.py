"""ghmc's own run.started / run.finished events (`collection.KINDS`) → collection_runs;
definition in `collection`."""

from projections.definitions.runs import schema

TABLES = tuple(t.name for t in schema.TABLES)
BUILT_ON: tuple[str, ...] = ()
