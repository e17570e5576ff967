"""Copilot usage reports (`copilot.report_file` events) → the Copilot report tables.

`reports` states the definitions (latest fetch wins per report day, report revisions, acceptance
rate, the repos-1-day extension) with their sources; `schema` the five tables; `family` is the
collector the engine runs, and the key-clash rule (`first_wins`: on a repeated key the winning
fetch's first row is kept).
"""

from projections.definitions.copilot import schema

TABLES = tuple(t.name for t in schema.TABLES)
BUILT_ON: tuple[str, ...] = ()
