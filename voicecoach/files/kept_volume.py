"""The volume last set by voice, kept in the data folder so the next workout starts at it.

The file also keeps the `[voice] volume` it was set against: when that setting changes, the user
has said what they want in the settings, and the kept level no longer applies.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from voicecoach.files import paths

FILE_NAME = "volume.json"


def kept_volume_file() -> Path:
    """`volume.json` in the user data folder (VOICECOACH_DATA_DIR moves it)."""
    return paths.user_data_dir() / FILE_NAME


def read_kept_volume(settings_volume: float, path: Path | None = None) -> float:
    """The level to start at: the one kept by voice, or `settings_volume` when there is none, it
    was kept against another `[voice] volume`, or the file is unreadable (it is only a memo)."""
    try:
        data = json.loads((path or kept_volume_file()).read_text(encoding="utf-8"))
        level, against = float(data["volume"]), float(data["settings_volume"])
    except (OSError, ValueError, TypeError, KeyError):
        return settings_volume
    return level if against == settings_volume and 0.0 <= level <= 1.0 else settings_volume


def keep_volume(level: float, settings_volume: float, path: Path | None = None) -> Path:
    """Write the level atomically (a whole new file, renamed over the old one); returns the path.

    Raises OSError when the data folder cannot be written.
    """
    path = path or kept_volume_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"volume": level, "settings_volume": settings_volume}) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=".volume-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
