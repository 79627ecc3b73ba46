"""Reading the user's files: where they are, how they are read, and the layered settings."""

from voicecoach.files.reading import Path_, parse_yaml, read_user_file, validation_problems
from voicecoach.files.settings import (
    Backend,
    ListeningMode,
    Settings,
    Verbosity,
    VoiceSettings,
    load_settings,
)

__all__ = [
    "Backend",
    "ListeningMode",
    "Path_",
    "Settings",
    "Verbosity",
    "VoiceSettings",
    "load_settings",
    "parse_yaml",
    "read_user_file",
    "validation_problems",
]
