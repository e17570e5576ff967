"""The archive's exceptions, one small hierarchy so callers catch what they mean.

    ArchiveError                 anything the archive cannot do (disk full, permission, ...)
     ├── ArchiveFormatError      FORMAT missing, unreadable or naming a version we do not know
     ├── ArchiveDamaged          verification found a changed, missing or extra byte/file
     └── LockHeld                another ghmc run holds data/ghmc.lock (exit 4)

Operating-system errors (ENOSPC, EACCES, ...) are wrapped into `ArchiveError` at the package
boundary by `storage_error`, with a message that says what was and was not stored.
"""

from __future__ import annotations

from pathlib import Path


class ArchiveError(Exception):
    """Base class of every error the archive raises."""


class ArchiveFormatError(ArchiveError):
    """The archive's FORMAT file is missing, damaged or names an unsupported version."""


class ArchiveDamaged(ArchiveError):  # noqa: N818 - contract name (docs/internals.md)
    """Verification found damage; the message names the first bad file (and event seq)."""


class LockHeld(ArchiveError):  # noqa: N818 - contract name (docs/internals.md)
    """Another live process holds the run lock."""


def storage_error(action: str, path: Path, exc: OSError) -> ArchiveError:
    """Wrap an OSError met while writing `path` into an ArchiveError that says nothing was lost."""
    reason = exc.strerror or str(exc)
    return ArchiveError(
        f"archive: could not {action} {path}: {reason}. Nothing already stored was lost; the "
        "event being written was not stored. Fix the cause (e.g. free disk space) and re-run: "
        "the next run recovers and resumes."
    )
