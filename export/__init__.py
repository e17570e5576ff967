"""export: metrics.db → CSV.GZ + manifest (and the OneDrive copy), backups, retention, schedule.

    from export import export_tables, backup, cleanup
    report = export_tables(cfg.db_path, cfg.export.dir, cfg.export.onedrive_dir,
                           cfg.export.keep_days, head_hash=..., today=...)

Reads only metrics.db (and, for the raw mirror of `backup`, the sealed archive files). Errors
are `ExportError` with a message that says what was not replaced and what to do.
"""

from __future__ import annotations

from export.backup import BackupReport, backup
from export.cleanup import CleanupReport, cleanup
from export.errors import BackupVerifyError, ExportError
from export.exporter import ExportReport, export_tables
from export.manifest import ExportedFile

__all__ = [
    "BackupReport",
    "BackupVerifyError",
    "CleanupReport",
    "ExportError",
    "ExportReport",
    "ExportedFile",
    "backup",
    "cleanup",
    "export_tables",
]
