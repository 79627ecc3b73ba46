"""Turning the voice lock on for a workout or `voicecoach listen`: the profile, or why not."""

from __future__ import annotations

from voicecoach.ears.listener import Listener
from voicecoach.ears.voice_profile import load_profile, profile_path
from voicecoach.files import Settings

CALIBRATE_HINT = ("tip: `voicecoach calibrate` (about two minutes) teaches the coach your voice "
                  "and offers a voice lock that ignores other people's commands")


def apply_voice_lock(listener: Listener, settings: Settings) -> str | None:
    """Lock `listener` to the calibrated voice when recognition.voice_lock asks for it.

    Returns one line for the user (what the lock does, or why it is off), or None when the
    lock is not wanted. A damaged profile is a ModelError naming the file and the fix.
    """
    if not settings.recognition.voice_lock:
        return None
    profile = load_profile()
    if profile is None:
        return (f"recognition.voice_lock is on but there is no voice profile ({profile_path()}): "
                "run `voicecoach calibrate`; every voice is obeyed until then")
    listener.lock_to(profile.judge)
    return (f"voice lock on: only your voice (calibrated {profile.created}) is obeyed, "
            "except stop and safety phrases")


def calibration_hint() -> str | None:
    """One line suggesting calibration, when there is no profile yet."""
    return CALIBRATE_HINT if not profile_path().exists() else None
