"""The offline HTML report (`ghmc report`): one self-contained file with the Copilot adoption,
spend, DORA, velocity and data-freshness pages, built from metrics.db.

    report, paths = build_report(cfg.db_path, Path("ghmc-report.html"))

Modules: `database` (open and check metrics.db, lineage), `queries` (the SQL, one query per
dataset), `pages` (cards and charts with their definitions), `vendor` (the checked chart library),
`html` (assembly), `build` (the entry points); `assets/` holds the page's template, style and
script, `vendor/` Apache ECharts with its license and notice.
"""

from __future__ import annotations

from dashboards.report.build import REPORT_NAME, Report, build_report, render_report, write_report
from dashboards.report.errors import ReportError

__all__ = ["REPORT_NAME", "Report", "ReportError", "build_report", "render_report", "write_report"]
