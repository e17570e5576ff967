"""Velocity, built on the repository activity snapshot (`activity`): PR stages per pull request
(velocity_pull_requests) and weekly figures per developer (velocity_metrics); definitions and
sources in `stages`."""

from projections.definitions.velocity import schema

TABLES = tuple(t.name for t in schema.TABLES)
BUILT_ON = ("activity",)
