"""The echo gate: decides whether a recognition is the user speaking or the coach hearing itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voicecoach.commands import ALWAYS_HEARD, normalize
from voicecoach.ears.base import Recognition
from voicecoach.ears.speaker_check import NOT_YOUR_VOICE
from voicecoach.echo.coach_speech import SpeakingSignal

_SPAN_STEP_S = 0.1
"""The utterance span is checked against the coach's speech at this spacing."""

RUN_IN_S = 0.6
"""A command that began while the coach was silent may run this far past the tail before the
coach's next words (a person starts "how many left" and the count "3" comes in over its end).
The coach's echo cannot begin before the coach does, so such speech is the user's."""


MIN_KEPT_DB = -12.0
"""An utterance of which the echo canceller removed more than this is the coach's voice, whatever
words came out of it: a voice the coach never played loses little. Measured on recorded loops:
the user's "stop" over the coach kept -0.5 to -7.4 dB (-9.6 dB in the synthetic room, where the
echo is louder than the word), echo that Whisper made into commands -12.3, -20 and -30 dB."""


NOT_A_COMMAND = "not a command"
"""The refusal of words the recognizer did not take for any allowed command."""
LOW_CONFIDENCE = "confidence"
"""How the refusal of a command heard with too little confidence begins."""

COACH_SPEAKING = "coach speaking"
"""The refusal of a command that is not heard over the coach at all (gated mode)."""

NOT_ADDRESSED = "not addressed"
"""How a refusal of a command said without the coach's name begins (listen always prints it)."""

REFUSALS: tuple[str, ...] = (NOT_ADDRESSED, NOT_YOUR_VOICE)
"""Rejections that refuse a command the user may think they gave (not noise or echo): `voicecoach
listen` prints them even without --debug, and the live view shows them, so a user sees why."""


def is_doubt(reason: str) -> bool:
    """The recognizer doubted the words (no command, or too little confidence), as opposed to a
    refusal of a command it was sure of (echo, the coach speaking, the lock, no name)."""
    return reason == NOT_A_COMMAND or reason.startswith(f"{LOW_CONFIDENCE} ")


@dataclass(frozen=True)
class GatePolicy:
    """The settings that shape the gate (recognition.* in settings)."""

    tail_s: float = 0.3
    min_confidence: float = 0.6
    is_barge_in: bool = False
    """True when an echo canceller or headset makes it safe to hear every command mid-cue.

    Addressed mode with the echo canceller running sets it too: the coach never says its name
    (a routine whose cue holds it is refused before the workout), so "coach, pause" cannot be
    the words of its echo, and what is left of the echo still meets every other test here (the
    canceller's kept energy, sound-alikes over the coach's voice). Being heard mid-cue is what
    a wake word is for. Without a canceller the echo reaches a closed grammar whole, which can
    fit any sound to "coach ..." ("approach" is near): then addressed commands wait, as gated."""
    name: str | None = None
    """The name commands must begin with (addressed mode), or None."""
    unaddressed: frozenset[str] = frozenset()
    """Bare phrases of the commands that need the name: heard alone, they are refused by name."""


class EchoGate:
    """Admits a result only if it is a confident command that is not the coach's own voice."""

    def __init__(self, speaking: SpeakingSignal | None, policy: GatePolicy | None = None,
                 echo_delay_s: Callable[[], float] | None = None) -> None:
        """`echo_delay_s` says how long the coach's voice takes to come back into the microphone
        (the echo canceller measures it: 0.4 s through PulseAudio, more than the tail): the
        echo of a cue's last word lasts that much longer than the cue."""
        self._speaking = speaking
        self.policy = policy or GatePolicy()
        self._echo_delay_s = echo_delay_s or (lambda: 0.0)

    def rejection(self, recognition: Recognition, start_s: float, end_s: float,
                  kept_db: float | None = None, is_echo_unknown: bool = False) -> str | None:
        """Why the result must be ignored, or None to act on it; times are monotonic seconds.

        `kept_db`: how much of the microphone's energy over the utterance the echo canceller
        let through (kept_energy.py), when one runs. `is_echo_unknown`: a canceller runs but did
        not know where the echo was for part of the utterance (the first second or two of the
        first cue), so some of the coach's voice reached the recognizer whole.
        """
        if recognition.command is None:
            return self._not_addressed(recognition.text) or NOT_A_COMMAND
        if recognition.confidence < self.policy.min_confidence:
            return (f"{LOW_CONFIDENCE} {recognition.confidence:.2f} < "
                    f"{self.policy.min_confidence:.2f}")
        if kept_db is not None and kept_db < MIN_KEPT_DB:
            return f"the coach's echo (the canceller took {-kept_db:.0f} dB of it away)"
        overlaps = self._speaking is not None and self._overlaps_speech(start_s, end_s)
        if recognition.is_spotted and not overlaps:
            return "stop/safety phrase inside other words, with the coach silent"
        # Measured in CI: "pain" found inside the echo of "Leg lifts: Straight-leg lifts." 2.5 s
        # into a run, the delay found halfway through it (kept -7.7 dB). A lone stop still counts.
        if recognition.is_spotted and is_echo_unknown:
            return "stop/safety phrase inside the coach's words, its echo not yet found"
        if self._speaking is None:
            return None
        # What is left of the coach's echo comes out as words that are nearly a command ("pays"
        # for "pain" at the end of "with control"); the user's own command is heard as itself.
        if overlaps and recognition.sound_distance > 0:
            return "only sounds like a command, over the coach's voice"
        if self._is_echo(recognition.text, start_s - self.policy.tail_s):
            return "echo of the coach's cue"
        if (overlaps and not self.policy.is_barge_in and recognition.command not in ALWAYS_HEARD
                and self._overlaps_speech(start_s, max(start_s, end_s - RUN_IN_S))):
            return COACH_SPEAKING
        return None

    def _not_addressed(self, text: str) -> str | None:
        """The readable refusal of a command said without the name, or None if it was none."""
        bare = normalize(text)
        if self.policy.name is None or bare not in self.policy.unaddressed:
            return None
        return f'{NOT_ADDRESSED}: say "{self.policy.name}, {bare}"'

    def _is_echo(self, text: str, since_s: float) -> bool:
        """The words heard occur, in order, in a cue spoken since `since_s`."""
        assert self._speaking is not None
        heard = f" {normalize(text)} "
        return any(heard in f" {normalize(cue)} " for cue in self._speaking.recent_texts(since_s))

    def _overlaps_speech(self, start_s: float, end_s: float) -> bool:
        assert self._speaking is not None
        steps = max(0, int((end_s - start_s) / _SPAN_STEP_S))
        moments = [start_s + i * _SPAN_STEP_S for i in range(steps + 1)] + [end_s]
        tail_s = self.policy.tail_s
        echo_tail_s = max(tail_s, self._echo_delay_s() + tail_s / 2)
        return any(self._speaking.is_gated(t, tail_s, echo_tail_s) for t in moments)
