"""Where voicecoach finds its files: shipped defaults beside the package, user files in platform dirs.

Each user directory can be moved with an environment variable, so tests and portable installs
never touch the real home directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "voicecoach"
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED_ROUTINES_DIR = PROJECT_ROOT / "routines"
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "voicecoach.toml"
PROJECT_MODELS_DIR = PROJECT_ROOT / "models"


def _dir(env_var: str, default: str) -> Path:
    return Path(os.environ.get(env_var) or default)


def user_config_dir() -> Path:
    """Per-user settings and routines (VOICECOACH_CONFIG_DIR overrides)."""
    return _dir("VOICECOACH_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME))


def user_config_file() -> Path:
    """The user's settings file, layered over the shipped defaults."""
    return user_config_dir() / "voicecoach.toml"


def user_routines_dir() -> Path:
    """Routines the user wrote, listed beside the shipped ones."""
    return user_config_dir() / "routines"


def user_data_dir() -> Path:
    """Downloaded models and workout history (VOICECOACH_DATA_DIR overrides)."""
    return _dir("VOICECOACH_DATA_DIR", platformdirs.user_data_dir(APP_NAME))


def user_cache_dir() -> Path:
    """Rendered cue audio, safe to delete (VOICECOACH_CACHE_DIR overrides)."""
    return _dir("VOICECOACH_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME))
