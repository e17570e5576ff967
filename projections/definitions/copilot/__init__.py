"""Copilot usage reports (`copilot.report_file` events) → the Copilot report tables.

`reports` states the definitions (latest fetch wins per report day, report revisions, acceptance
rate, the repos-1-day extension) with their sources; `family` is the collector the engine runs,
and the key-clash rule (`first_wins`: on a repeated key the winning fetch's first row is kept).
"""

TABLES = (
    "copilot_daily_metrics",
    "copilot_breakdown_daily",
    "copilot_user_metrics",
    "copilot_user_teams",
    "copilot_repo_metrics",
)
BUILT_ON: tuple[str, ...] = ()
