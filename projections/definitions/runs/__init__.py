"""ghmc's own run.started / run.finished events (`collection.KINDS`) → collection_runs;
definition in `collection`."""

TABLES = ("collection_runs",)
BUILT_ON: tuple[str, ...] = ()
