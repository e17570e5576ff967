"""The export package's exceptions, one small hierarchy so callers catch what they mean.

    ExportError                  anything export, backup or clean-up cannot do; the message
     │                           says what was (not) replaced and what to do next
     └── BackupVerifyError       a backup was written but did not verify; it was not kept

Operating-system errors (ENOSPC, EACCES, ...) and `sqlite3` errors are wrapped into these at the
package boundary by `storage_error` / `database_error`.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path


class ExportError(Exception):
    """Base class of every error the export package raises."""


class BackupVerifyError(ExportError):
    """A freshly written backup failed its verification and was discarded."""


def storage_error(action: str, path: Path, exc: OSError) -> ExportError:
    """Wrap an OSError met while writing `path`: say that nothing published was replaced."""
    reason = exc.strerror or str(exc)
    hint = "fix the cause and run the command again"
    if exc.errno == errno.ENOSPC:
        hint = "free disk space and run the command again"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        hint = "check the folder's permissions (or close the program that holds the file) and retry"
    return ExportError(
        f"could not {action} {path}: {reason}. Nothing already published was replaced "
        f"(files are written under a temporary name and renamed at the end); {hint}."
    )


def database_error(db_path: Path, exc: sqlite3.Error) -> ExportError:
    """Wrap a sqlite3 error met while reading metrics.db."""
    return ExportError(
        f"could not read {db_path}: {exc}. Nothing was replaced; run `ghmc project` to "
        "(re)build metrics.db, then export again."
    )


def backup_error(db_path: Path, dest: Path, exc: sqlite3.Error) -> ExportError:
    """Wrap a sqlite3 error met while copying metrics.db to a backup: the copy failed (a full or
    unwritable backup folder, most often), not metrics.db, which is left as it was."""
    return ExportError(
        f"could not back up {db_path} to {dest}: {exc}. metrics.db is unchanged and {dest} was "
        "not replaced; free space in (or fix the permissions of) the backup folder and run "
        "`ghmc backup` again."
    )
