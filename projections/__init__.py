"""Projections: metrics.db tables computed deterministically from the event archive (design §5).

Public API (used by cli.py):

    settings = Settings.from_config(cfg)
    project(cfg.raw_dir, cfg.db_path, settings) -> ProjectReport
    replay(cfg.raw_dir, cfg.db_path, settings, "2026-01-01", ["dora_metrics"]) -> ProjectReport

Both accept keyword-only `source=` (any `EventSource`; default: the archive in raw_dir) and
`progress=` (a callable taking one line; default: stderr).
"""

from __future__ import annotations

from projections.api import ProjectionError, ProjectReport, ReplayOptionError, project, replay
from projections.engine import window
from projections.engine.source import ArchiveSource, EventSource, ListSource
from projections.engine.versions import definition_versions
from projections.schema import TABLES
from projections.settings import Settings

__all__ = [
    "TABLES",
    "ArchiveSource",
    "EventSource",
    "ListSource",
    "ProjectReport",
    "ProjectionError",
    "ReplayOptionError",
    "Settings",
    "definition_versions",
    "project",
    "replay",
    "window",
]
