"""The echo gate: the coach must not obey itself, yet stop and safety always get through."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.ears import feed_blocks, korean_recognizer, silence, speech
from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.commands import Command
from voicecoach.ears import EchoGate, GatePolicy, Listener, Recognition
from voicecoach.echo.coach_speech import SpeakingSignal
from voicecoach.events import CommandHeard


def said(command: Command | None, text: str = "", confidence: float = 0.9) -> Recognition:
    return Recognition(command, text or (command.value if command else "mumble"), confidence,
                       "test")


@pytest.fixture
def speaking() -> SpeakingSignal:
    signal = SpeakingSignal()
    signal.started("lift your legs", at_s=10.0)
    signal.stopped(at_s=12.0)
    return signal


@pytest.mark.parametrize(
    ("recognition", "start_s", "end_s", "expected"),
    [
        (said(None), 20.0, 20.5, "not a command"),
        (said(Command.PAUSE, confidence=0.3), 20.0, 20.5, "confidence 0.30 < 0.60"),
        (said(Command.PAUSE), 20.0, 20.5, None),
        (said(Command.PAUSE), 11.0, 11.5, "coach speaking"),
        (said(Command.PAUSE), 12.1, 12.6, "coach speaking"),  # inside the 0.3 s tail
        (said(Command.PAUSE), 12.4, 12.9, None),  # after the tail
        (said(Command.PAUSE), 9.0, 10.5, "coach speaking"),  # began before, ran into the cue
        (said(Command.PAUSE), 9.0, 10.2, None),  # began before, the cue came in over its end
        (said(Command.PAUSE), 8.0, 13.0, "coach speaking"),  # the cue lies inside the span
        (said(Command.STOP), 11.0, 11.5, None),  # stop is always heard
        (said(Command.SAFETY, "my back hurts"), 11.0, 11.5, None),
        (said(Command.STOP, "legs"), 11.0, 11.5, "echo of the coach's cue"),
    ],
)
def test_rejection_rules(speaking, recognition, start_s, end_s, expected) -> None:
    assert EchoGate(speaking).rejection(recognition, start_s, end_s) == expected


def test_barge_in_hears_everything_but_still_drops_echo(speaking) -> None:
    gate = EchoGate(speaking, GatePolicy(is_barge_in=True))
    assert gate.rejection(said(Command.PAUSE), 11.0, 11.5) is None
    assert gate.rejection(said(Command.PAUSE, "lift"), 11.0, 11.5) == "echo of the coach's cue"


def test_a_cue_still_playing_gates_until_it_stops() -> None:
    signal = SpeakingSignal()
    signal.started("three", at_s=5.0)
    gate = EchoGate(signal)
    assert gate.rejection(said(Command.FASTER), 50.0, 50.5) == "coach speaking"
    assert gate.rejection(said(Command.FASTER, "three"), 50.0, 50.5) == "echo of the coach's cue"


def test_without_a_speaking_signal_only_confidence_counts() -> None:
    gate = EchoGate(None, GatePolicy(min_confidence=0.5))
    assert gate.rejection(said(Command.PAUSE, confidence=0.5), 1.0, 1.2) is None


def test_a_spotted_stop_counts_only_while_the_coach_speaks(speaking) -> None:
    spotted = Recognition(Command.STOP, "stop", 0.9, "test", is_spotted=True)
    gate = EchoGate(speaking)
    assert gate.rejection(spotted, 11.0, 11.5) is None
    assert gate.rejection(spotted, 20.0, 20.5) == (
        "stop/safety phrase inside other words, with the coach silent")
    assert EchoGate(None).rejection(spotted, 11.0, 11.5) is not None


def test_over_the_coach_only_the_exact_words_count(speaking) -> None:
    """A sound-alike ("pays" for "pain") is what the coach's leftover echo produces."""
    gate = EchoGate(speaking)
    sounds_like = Recognition(Command.SAFETY, "pays", 0.9, "test", sound_distance=0.33)
    assert gate.rejection(sounds_like, 11.0, 11.5) == (
        "only sounds like a command, over the coach's voice")
    assert gate.rejection(said(Command.SAFETY, "pain"), 11.0, 11.5) is None
    assert gate.rejection(sounds_like, 20.0, 20.5) is None  # the coach silent: a person's "pays"


def test_an_utterance_the_echo_canceller_took_away_is_the_coachs_voice(speaking) -> None:
    gate = EchoGate(speaking)
    stop = said(Command.STOP, "Stop.")
    assert gate.rejection(stop, 11.0, 11.5, kept_db=-30.4) == (
        "the coach's echo (the canceller took 30 dB of it away)")
    assert gate.rejection(stop, 11.0, 11.5, kept_db=-6.0) is None  # said over the coach
    assert gate.rejection(stop, 20.0, 20.5, kept_db=0.0) is None


def test_before_the_canceller_finds_the_echo_a_stop_inside_the_coachs_words_is_not_trusted(
        speaking) -> None:
    gate = EchoGate(speaking)
    spotted = Recognition(Command.SAFETY, "pain", 0.9, "test", is_spotted=True)
    assert gate.rejection(spotted, 11.0, 13.0, kept_db=0.0, is_echo_unknown=True) == (
        "stop/safety phrase inside the coach's words, its echo not yet found")
    assert gate.rejection(spotted, 11.0, 13.0, kept_db=-3.0) is None  # echo found, little taken
    assert gate.rejection(said(Command.STOP, "Stop."), 11.0, 11.5, kept_db=0.0,
                          is_echo_unknown=True) is None  # said alone, it still counts


def test_the_echo_delay_lengthens_the_gate_after_the_coach() -> None:
    signal = SpeakingSignal()
    signal.started("with control", at_s=10.0)
    signal.stopped(at_s=12.0)
    sounds_like = Recognition(Command.SAFETY, "pays", 0.9, "test", sound_distance=0.33)
    # 12.5 s is past the 0.3 s tail, but the echo of the cue's end arrives 0.4 s late
    assert EchoGate(signal).rejection(sounds_like, 12.5, 12.8) is None
    late_echo = EchoGate(signal, echo_delay_s=lambda: 0.4)
    assert late_echo.rejection(sounds_like, 12.5, 12.8) is not None
    assert late_echo.rejection(sounds_like, 12.6, 12.9) is None
    # nothing is gated sooner before a cue: the echo cannot come before the sound
    assert late_echo.rejection(said(Command.PAUSE), 9.5, 9.6) is None


# ---- on the real engine: echo of a cue mixed into the microphone -------------------------

CUE = "숨을 깊게"  # "breathe deeply": contains no command word
ECHO_GAIN = 0.4
"""The coach's voice reaches the microphone quieter than the user lying next to it."""


def mix(base: np.ndarray, add: np.ndarray, at_s: float) -> np.ndarray:
    out = base.copy()
    start = int(at_s * SAMPLE_RATE_HZ)
    end = min(len(out), start + len(add))
    out[start:end] += add[: end - start]
    return np.clip(out, -1.0, 1.0)


def run_with_echo(user_word: str | None, after_cue_start_s: float = 0.0, tail_s: float = 0.3,
                  echo_gain: float = ECHO_GAIN, clock_s: float = 500.0):
    """Cue echo from 1.0 s on, plus the user's word starting `after_cue_start_s` after the cue's
    first sound; returns (posted events, verdicts, cue span on the clock)."""
    cue = speech(CUE)
    loud = np.flatnonzero(np.abs(cue) > 0.02) / SAMPLE_RATE_HZ
    audio = np.concatenate([silence(1.0), cue * echo_gain, silence(4.0)])
    cue_span = (clock_s + 1.0 + loud[0], clock_s + 1.0 + loud[-1])
    speaking = SpeakingSignal()
    speaking.started(CUE, at_s=cue_span[0])
    speaking.stopped(at_s=cue_span[1])
    if user_word is not None:
        word = speech(user_word)
        word_lead_s = np.flatnonzero(np.abs(word) > 0.02)[0] / SAMPLE_RATE_HZ
        audio = mix(audio, word, 1.0 + loud[0] + after_cue_start_s - word_lead_s)
    posted: list[object] = []
    listener = Listener(korean_recognizer(), EchoGate(speaking, GatePolicy(tail_s=tail_s)))
    listener.start(posted.append)
    heard = feed_blocks(listener, audio, clock_start_s=clock_s)
    return posted, heard, cue_span


@pytest.mark.parametrize("echo_gain", [ECHO_GAIN, 1.0])
def test_echo_of_a_cue_triggers_nothing(echo_gain: float) -> None:
    posted, heard, _ = run_with_echo(None, echo_gain=echo_gain)
    assert posted == []
    assert heard and all(h.rejected_because for h in heard)


@pytest.mark.parametrize("after_cue_start_s", [0.6, 0.9])
def test_stop_spoken_over_the_cue_still_stops(after_cue_start_s: float) -> None:
    # measured over 0.3/0.6/0.9 s x echo gain 0.4/0.7/1.0: stop heard in 6 of 9 (not when it
    # starts within 0.3 s of the cue), never a false stop; an echo canceller does better
    posted, heard, (cue_start, cue_end) = run_with_echo("정지", after_cue_start_s)
    assert [e.command for e in posted if isinstance(e, CommandHeard)] == [Command.STOP]
    stop = next(h for h in heard if h.rejected_because is None)
    assert cue_start < stop.end_s and stop.start_s < cue_end + 0.3, "heard while gated"


def test_other_commands_over_the_cue_are_not_obeyed() -> None:
    posted, heard, _ = run_with_echo("멈춰", after_cue_start_s=0.6)
    assert posted == []
    assert heard and all(h.rejected_because for h in heard)


def test_a_command_just_after_the_cue_is_gated_by_the_tail_then_heard() -> None:
    cue_s = run_with_echo(None)[2]
    after_s = cue_s[1] - cue_s[0] + 0.8  # the word starts 0.8 s after the cue's last sound
    posted, heard, (_, cue_end) = run_with_echo("멈춰", after_s, tail_s=1.2)
    pause = [h for h in heard if h.recognition.command is Command.PAUSE]
    assert [h.rejected_because for h in pause] == ["coach speaking"]
    assert pause[0].start_s - cue_end == pytest.approx(0.8, abs=0.3)
    assert posted == []
    posted, _, _ = run_with_echo("멈춰", after_s, tail_s=0.3)
    assert [e.command for e in posted if isinstance(e, CommandHeard)] == [Command.PAUSE]


def test_timeline_maps_audio_time_to_the_clock_across_a_gap() -> None:
    from voicecoach.ears.listener import AudioClock

    timeline = AudioClock()
    for k in range(3):  # 0.3 s of audio recorded up to clock 10.3
        timeline.add(3200, 10.1 + 0.1 * k)
    timeline.add(3200, 50.0)  # the device came back much later
    assert timeline.clock_of(0.05) == pytest.approx(10.05)
    assert timeline.clock_of(0.35) == pytest.approx(49.95)
    assert timeline.clock_of(None) == 50.0
    assert timeline.audio_s == pytest.approx(0.4)
