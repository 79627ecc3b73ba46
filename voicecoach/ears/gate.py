"""The echo gate: decides whether a recognition is the user speaking or the coach hearing itself."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.commands import ALWAYS_HEARD
from voicecoach.ears.base import Recognition
from voicecoach.ears.vosk_backend import phrase_key
from voicecoach.speaking import SpeakingSignal

_SPAN_STEP_S = 0.1
"""The utterance span is checked against the coach's speech at this spacing."""

RUN_IN_S = 0.6
"""A command that began while the coach was silent may run this far past the tail before the
coach's next words (a person starts "how many left" and the count "3" comes in over its end).
The coach's echo cannot begin before the coach does, so such speech is the user's."""


@dataclass(frozen=True)
class GatePolicy:
    """The settings that shape the gate (recognition.* in settings)."""

    tail_s: float = 0.3
    min_confidence: float = 0.6
    is_barge_in: bool = False
    """True when an echo canceller or headset makes it safe to hear every command mid-cue."""


class EchoGate:
    """Admits a result only if it is a confident command that is not the coach's own voice."""

    def __init__(self, speaking: SpeakingSignal | None, policy: GatePolicy | None = None) -> None:
        self._speaking = speaking
        self.policy = policy or GatePolicy()

    def rejection(self, recognition: Recognition, start_s: float, end_s: float) -> str | None:
        """Why the result must be ignored, or None to act on it; times are monotonic seconds."""
        if recognition.command is None:
            return "not a command"
        if recognition.confidence < self.policy.min_confidence:
            return f"confidence {recognition.confidence:.2f} < {self.policy.min_confidence:.2f}"
        overlaps = self._speaking is not None and self._overlaps_speech(start_s, end_s)
        if recognition.is_spotted and not overlaps:
            return "stop/safety phrase inside other words, with the coach silent"
        if self._speaking is None:
            return None
        if self._is_echo(recognition.text, start_s - self.policy.tail_s):
            return "echo of the coach's cue"
        if (overlaps and not self.policy.is_barge_in and recognition.command not in ALWAYS_HEARD
                and self._overlaps_speech(start_s, max(start_s, end_s - RUN_IN_S))):
            return "coach speaking"
        return None

    def _is_echo(self, text: str, since_s: float) -> bool:
        """The words heard occur, in order, in a cue spoken since `since_s`."""
        assert self._speaking is not None
        heard = f" {phrase_key(text)} "
        return any(heard in f" {phrase_key(cue)} " for cue in self._speaking.recent_texts(since_s))

    def _overlaps_speech(self, start_s: float, end_s: float) -> bool:
        assert self._speaking is not None
        steps = max(0, int((end_s - start_s) / _SPAN_STEP_S))
        moments = [start_s + i * _SPAN_STEP_S for i in range(steps + 1)] + [end_s]
        return any(self._speaking.is_gated(t, self.policy.tail_s) for t in moments)
