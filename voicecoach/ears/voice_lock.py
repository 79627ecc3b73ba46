"""Putting the voice profile to work in a workout or `voicecoach listen`: the user's takes decide
words the recognizer doubted, and the voice lock (when asked for) refuses other voices."""

from __future__ import annotations

from voicecoach.ears.listener import Listener
from voicecoach.ears.voice_profile import load_profile, profile_path
from voicecoach.files import Settings

CALIBRATE_HINT = ("tip: `voicecoach calibrate` (about two minutes) teaches the coach your voice "
                  "and offers a voice lock that ignores other people's commands")


def apply_voice_profile(listener: Listener, settings: Settings) -> str | None:
    """Give `listener` the calibrated profile, and lock it to that voice when
    recognition.voice_lock asks for it.

    Returns one line for the user (what the profile does, or why the lock is off), or None when
    there is no profile and no lock is wanted. A damaged profile is a ModelError naming the file
    and the fix.
    """
    profile = load_profile()
    if profile is None:
        if not settings.recognition.voice_lock:
            return None
        return (f"recognition.voice_lock is on but there is no voice profile ({profile_path()}): "
                "run `voicecoach calibrate`; every voice is obeyed until then")
    listener.use_own_words(profile)
    if not settings.recognition.voice_lock:
        return (f"your voice profile (calibrated {profile.created}) helps hear your commands")
    listener.lock_to(profile.judge)
    return (f"voice lock on: only your voice (calibrated {profile.created}) is obeyed, "
            "except stop and safety phrases")


def calibration_hint() -> str | None:
    """One line suggesting calibration, when there is no profile yet."""
    return CALIBRATE_HINT if not profile_path().exists() else None
