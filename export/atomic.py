"""The export's names for the one write-once helper, `archive.durable` (issue 14 item 4).

Kept so callers may go on importing from `export.atomic`; nothing is implemented here.
"""

from __future__ import annotations

from archive.durable import (
    TMP_PREFIX,
    copy_to_temp,
    fsync_dir,
    fsync_file,
    open_temp,
    publish,
    remove_temps,
    replace_durably,
    sha256_file,
    temp_path,
    write_atomic,
)

__all__ = [
    "TMP_PREFIX",
    "copy_to_temp",
    "fsync_dir",
    "fsync_file",
    "open_temp",
    "publish",
    "remove_temps",
    "replace_durably",
    "sha256_file",
    "temp_path",
    "write_atomic",
]
