"""What every recognizer backend promises, so the runner and the benchmark treat them alike."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from voicecoach.commands import Command


@dataclass(frozen=True)
class Recognition:
    """One result: a command (or None when speech was heard but rejected) and how sure it is."""

    command: Command | None
    text: str
    confidence: float
    backend: str
    is_partial: bool = False
    end_s: float | None = None
    """Audio time (seconds since the stream began) where the utterance ended, if known."""
    start_s: float | None = None
    """Audio time where the utterance began, if known (the echo gate checks the whole span)."""
    is_spotted: bool = False
    """A stop/safety phrase found inside longer speech (how it sounds over the coach's voice);
    the gate accepts these only while the coach speaks."""
    sound_distance: float = 0.0
    """How far the words heard sound from the phrase: 0 when they are the phrase (a closed
    grammar always returns the phrase itself), up to ~0.34 for a sound-alike ("Paws.")."""


class Recognizer(Protocol):
    """A streaming command recognizer fed 16-bit little-endian mono PCM at SAMPLE_RATE_HZ."""

    name: str

    def set_commands(self, commands: Collection[Command]) -> None:
        """Listen only for these commands from now on (state-aware grammar)."""

    def accept(self, pcm: bytes) -> list[Recognition]:
        """Feed audio; returns results completed (or fast-path partials) within it."""

    def flush(self) -> list[Recognition]:
        """End of stream: return whatever utterance is still open."""

    def decode_alone(self, pcm: bytes, at_s: float, start_s: float, end_s: float
                     ) -> Recognition | None:
        """What one stretch of audio, apart from the stream, was with the commands allowed now:
        `pcm` begins at audio time `at_s`, its words ran from `start_s` to `end_s`. The stream
        goes on untouched. The second listen over the coach's voice (ears/listener.py)."""
