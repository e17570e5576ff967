"""Velocity, built on the repository activity snapshot (`activity`): PR stages per pull request
(velocity_pull_requests) and weekly figures per developer (velocity_metrics); definitions and
sources in `stages`."""

TABLES = ("velocity_pull_requests", "velocity_metrics")
BUILT_ON = ("activity",)
