"""The metric definitions: one folder per family, each owning its event kinds, tables and prose.

    shared/    the rules every definition uses: latest fetch wins (`observe`), one median and
               percentile (`stats`), UTC days and ISO weeks (`timeutil`)
    activity/  repository activity (PRs, reviews, commits, runs, deployments, statuses, issues)
               observed into one snapshot per repository, read by DORA and velocity
    copilot/   Copilot usage reports → copilot_daily_metrics, copilot_breakdown_daily,
               copilot_user_metrics, copilot_user_teams, copilot_repo_metrics
    seats/     Copilot seat lists → copilot_seats
    premium/   billing usage → copilot_premium_requests
    dora/      deployments, changes, incidents → dora_* tables and the four keys with levels
    velocity/  PR stages → velocity_pull_requests, velocity_metrics
    runs/      ghmc's own run events → collection_runs

Each family declares its tables (columns, key, indexes) in its `schema` module; its `__init__`
names them (`TABLES`) and the other folders its rows are built on (`BUILT_ON`). A table's
definition version hashes every Python file of its folder, of the folders it is built on and of
`shared/` — and nothing else (`projections.engine.versions`), so changing a definition
re-versions exactly the tables of its family. A definition module imports only from its
own folder, `shared/`, its `BUILT_ON` folders and the engine's plumbing (events, ordering); a test
holds it to that. The engine (`projections.engine`) reads events, runs the collectors and writes
the rows; it decides nothing about what a row says.
"""
