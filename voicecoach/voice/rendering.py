"""What every text-to-speech engine shares: the Renderer protocol, voice entries, the WAV check.

Kept apart from the engines so each engine module (pyttsx3 and espeak-ng in tts, Piper in
piper_tts) depends on it and never on another engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voicecoach.audio import wav_duration_s


@dataclass(frozen=True)
class VoiceInfo:
    """One installed voice, as `voicecoach voices` lists it."""

    id: str
    name: str
    languages: tuple[str, ...]
    engine: str = ""
    """Which engine speaks it ("piper", "pyttsx3", "espeak-ng")."""


class Renderer(Protocol):
    """Writes one utterance to a mono 16-bit WAV file."""

    name: str
    version: str
    """Engine name and version: part of the cache key, so an upgrade re-renders."""
    voice: str
    rate_wpm: int

    def render(self, text: str, path: Path) -> None:
        """Write `text` spoken with this renderer's voice and rate to `path`."""

    def voices(self) -> list[VoiceInfo]:
        """Every voice this engine can use."""

    def close(self) -> None:
        """Release the engine."""


def is_valid_wav(path: Path) -> bool:
    """True when `path` is a readable WAV with at least one sample (pyttsx3 fails silently)."""
    duration_s = wav_duration_s(path)
    return duration_s is not None and duration_s > 0
