"""When the coach is speaking: the player writes exact start/stop times, the ears read them to gate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from voicecoach.echo.played import PlayedAudio


@dataclass(frozen=True)
class CoachUtterance:
    """One stretch of coach audio on the monotonic clock (end is None while still playing)."""

    text: str
    start_s: float
    end_s: float | None


class SpeakingSignal:
    """Thread-safe record of the coach's recent speech, shared by the player and the recognizer:
    which texts were spoken when, and the sound itself (for the echo canceller)."""

    def __init__(self, keep: int = 16) -> None:
        self.audio = PlayedAudio()
        """Every block the speaker played, on the monotonic clock."""
        self._lock = threading.Lock()
        self._recent: list[CoachUtterance] = []
        self._keep = keep
        self._listeners: list[Callable[[bool], None]] = []

    def add_listener(self, listener: Callable[[bool], None]) -> None:
        """Call `listener(True)` when an utterance starts and `listener(False)` when it stops.

        It is called on the player's audio thread: it must return at once (enqueue, never wait).
        """
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def started(self, text: str, at_s: float | None = None) -> None:
        """The first sample of `text` went to the device at `at_s` (monotonic seconds)."""
        with self._lock:
            self._recent.append(CoachUtterance(text, time.monotonic() if at_s is None else at_s, None))
            del self._recent[: -self._keep]
            listeners = self._listeners
        for listener in listeners:
            listener(True)

    def stopped(self, at_s: float | None = None) -> None:
        """The last sample of the current utterance went out (or it was interrupted)."""
        end = time.monotonic() if at_s is None else at_s
        with self._lock:
            if not self._recent or self._recent[-1].end_s is not None:
                return
            last = self._recent[-1]
            self._recent[-1] = CoachUtterance(last.text, last.start_s, end)
            listeners = self._listeners
        for listener in listeners:
            listener(False)

    def is_gated(self, at_s: float, tail_s: float, end_tail_s: float | None = None) -> bool:
        """True while the coach speaks at `at_s`, starts within `tail_s` after it, or stopped
        less than `end_tail_s` (default `tail_s`) before it."""
        after_s = tail_s if end_tail_s is None else end_tail_s
        with self._lock:
            return any(
                u.start_s - tail_s <= at_s and (u.end_s is None or at_s <= u.end_s + after_s)
                for u in self._recent
            )

    def recent_texts(self, since_s: float) -> list[str]:
        """Texts spoken (or still speaking) after `since_s`: results matching them are echo."""
        with self._lock:
            return [u.text for u in self._recent if u.end_s is None or u.end_s >= since_s]
