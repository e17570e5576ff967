"""A Power BI Project (PBIP: TMDL semantic model + PBIR report) over the ghmc export files.

Public API (used by cli.py):

    write(out_dir, source="folder"|"sharepoint", export_folder=Path|None) -> WrittenProject

Generated from the projection table registry (`projections.TABLES`), so a column added to a
table reaches the model. Modules: `columns` (registry type → model type), `powerquery` (M),
`measures` (DAX), `model` (tables, dimensions, relationships), `tmdl` (writer), `visuals` and
`report` (PBIR), `checks` (well-formedness and references), `project` (files, zip).
"""

from __future__ import annotations

from dashboards.powerbi.project import SOURCES, PowerBIError, WrittenProject, write

__all__ = ["SOURCES", "PowerBIError", "WrittenProject", "write"]
