"""The user's own calibration takes deciding words the recognizer heard but doubted
(ears/own_words.py): on real espeak-ng speech, the user's command is taken; a near word, a
sentence, another voice, and words the recognizer made into something else are not; and the
listener still applies the gate, the addressed mode and the timeline to it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.fixtures.user_voice import (
    OTHER,
    USER,
    listen_to,
    say,
    scripted_listener,
    user_profile,
)
from voicecoach.commands import Command
from voicecoach.ears import EchoGate, GatePolicy, own_words
from voicecoach.ears.voice_profile import VoiceProfile
from voicecoach.events import CommandHeard
from voicecoach.sim.corpus import Condition
from voicecoach.sim.synth import Noise, pad
from voicecoach.views import TimelineView, read_timeline

ALLOWED = frozenset({Command.PAUSE, Command.SKIP, Command.STOP, Command.HARDER})


@pytest.fixture(scope="module")
def profile() -> VoiceProfile:
    return user_profile()


def in_noise(samples: np.ndarray, snr_db: float = 20.0, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(len(samples)).astype(np.float32)
    speech_rms = float(np.sqrt(np.mean(samples ** 2)))
    return samples + noise * speech_rms / 10 ** (snr_db / 20)


def test_the_users_command_is_clearly_nearest_its_own_takes(profile) -> None:
    match = own_words.nearest(profile, in_noise(say("pause", USER, speed_delta=5)), ALLOWED,
                              "Pause.")
    assert match is not None
    assert (match.command, match.text, match.is_clear) == (Command.PAUSE, "pause", True)
    assert match.runner_up >= own_words.MIN_RATIO * match.distance


@pytest.mark.parametrize(("text", "voice", "heard"), [
    ("hello there", USER, "Hello there."),  # a sentence
    ("sip", USER, "Sip."),  # a near word: by sound alone it lies as near "skip" as skip does
    ("top", USER, "Top."),  # a near word of "stop"
    ("pause", USER, "Paws."),  # the recognizer made other words of it: not the takes' to say
    ("pause", OTHER, "Pause."),  # the command, in another voice: beyond the user's threshold
])
def test_near_words_other_words_and_other_voices_are_not_taken(profile, text, voice,
                                                                heard) -> None:
    match = own_words.nearest(profile, in_noise(say(text, voice)), ALLOWED, heard)
    assert match is None or not match.is_clear


def test_only_the_words_of_an_allowed_take_are_worth_aligning(profile) -> None:
    assert own_words.may_decide(profile, "Pause.", ALLOWED)
    assert not own_words.may_decide(profile, "Paws.", ALLOWED)
    assert not own_words.may_decide(profile, "Pause.", {Command.SKIP})


def test_silence_is_not_taken_and_uncalibrated_commands_are_no_match(profile) -> None:
    silence = own_words.nearest(profile, np.zeros(16000, np.float32), ALLOWED, "pause")
    assert silence is None or not silence.is_clear
    assert own_words.nearest(profile, np.zeros(400, np.float32), ALLOWED, "pause") is None
    assert own_words.nearest(profile, say("faster", USER), {Command.FASTER}, "faster") is None


def heard_with(profile: VoiceProfile | None, samples: np.ndarray, gate: EchoGate | None = None,
               command: Command | None = None, text: str = "Pause.", confidence: float = 0.3,
               locked: bool = False) -> tuple[list, list]:
    """What a listener with `profile` makes of `samples` when its recognizer hears `text`."""
    posted: list[object] = []
    listener = scripted_listener(command, text, samples, posted, confidence=confidence)
    if gate is not None:
        listener.gate = gate
    listener.listen_for_commands(ALLOWED)
    listener.use_own_words(profile)
    if locked and profile is not None:
        listener.lock_to(profile.judge)
    return listen_to(listener, samples), posted


@pytest.mark.parametrize("command", [
    None,  # Whisper: a doubtful command keeps its words and loses its command
    Command.PAUSE,  # Vosk, pocketsphinx: the command with too little confidence
])
def test_the_listener_obeys_a_doubted_command_the_takes_decide(profile, command) -> None:
    samples = in_noise(say("pause", USER))
    [heard], posted = heard_with(profile, samples, command=command)
    assert heard.rejected_because is None
    assert (heard.recognition.command, heard.recognition.text, heard.also_heard) == (
        Command.PAUSE, "pause", "Pause.")
    assert heard.own_words_distance is not None and heard.own_words_distance <= 1.2
    assert [(p.command, p.text) for p in posted if isinstance(p, CommandHeard)] == [
        (Command.PAUSE, "pause")]


def test_without_a_profile_the_doubt_stands(profile) -> None:
    [heard], posted = heard_with(None, in_noise(say("pause", USER)))
    assert heard.rejected_because == "not a command" and posted == []


def test_a_refusal_of_a_command_heard_surely_is_not_reopened(profile) -> None:
    # another voice's "pause", heard as pause and refused by the voice lock: only the
    # recognizer's doubts are the takes' to decide
    [heard], posted = heard_with(profile, in_noise(say("pause", OTHER)), command=Command.PAUSE,
                                 text="pause", confidence=0.9, locked=True)
    assert (heard.rejected_because or "").startswith("not your voice")
    assert heard.own_words_distance is None and posted == []


@pytest.mark.parametrize(("text", "command", "obeyed"), [
    ("pause", Command.PAUSE, False),  # needs the name: the takes hold none
    ("stop", Command.STOP, True),  # stop needs no name
])
def test_in_addressed_mode_the_takes_decide_only_stop_and_safety(profile, text, command,
                                                                   obeyed) -> None:
    gate = EchoGate(None, GatePolicy(name="coach", unaddressed=frozenset({"pause"})))
    [heard], posted = heard_with(profile, in_noise(say(text, USER)), gate=gate, text=text)
    assert (heard.rejected_because is None) is obeyed
    assert [p.command for p in posted if isinstance(p, CommandHeard)] == (
        [command] if obeyed else [])


def test_the_timeline_records_that_the_takes_decided(profile, tmp_path) -> None:
    [heard], _ = heard_with(profile, in_noise(say("pause", USER)))
    path = tmp_path / "timeline.jsonl"

    class CueTimer:
        def duration_s(self, text: str) -> float:
            return 1.0

    timeline = TimelineView(path, lambda: 3.0, CueTimer())
    timeline.recognized(heard)
    timeline.close()
    [record] = read_timeline(path)
    assert record.detail == "admitted"
    assert record.data["also_heard"] == "Pause."
    assert record.data["own_words_distance"] == round(heard.own_words_distance, 2)


def test_listen_prints_what_the_recognizer_heard_when_the_takes_decided(profile, capsys) -> None:
    from voicecoach.cli.voice_in import _printer

    [heard], _ = heard_with(profile, in_noise(say("pause", USER)))
    _printer(origin_s=999.0, show_rejected=False)(heard)
    line = json.loads(capsys.readouterr().out)
    assert (line["command"], line["text"], line["heard"]) == ("pause", "pause", "Pause.")
    assert line["own_words_distance"] == round(heard.own_words_distance, 2)


@pytest.fixture(scope="module")
def pocketsphinx_listener():
    from tests.fixtures.english_ears import PHRASES
    from voicecoach.ears import Listener
    from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer

    def make(profile: VoiceProfile | None) -> Listener:
        listener = Listener(PocketsphinxRecognizer(PHRASES), EchoGate(None, GatePolicy()))
        listener.listen_for_commands(frozenset(Command))
        listener.use_own_words(profile)
        return listener

    return make


def in_room(text: str, voice: tuple[str, int, int]) -> np.ndarray:
    """`text` in an ordinary room (pink noise, 20 dB), the same every time."""
    return Condition(Noise.PINK, 20.0).apply(pad(say(text, voice), 0.5, 0.8),
                                             np.random.default_rng(0))


def test_with_real_pocketsphinx_a_doubted_pause_is_obeyed_by_the_users_takes(
        profile, pocketsphinx_listener) -> None:
    # pocketsphinx hears "pause" but doubts it (confidence 0.43, measured): refused open
    samples = in_room("pause", USER)
    [alone] = listen_to(pocketsphinx_listener(None), samples)
    assert (alone.recognition.text, alone.rejected_because) == ("pause", "not a command")
    [heard] = listen_to(pocketsphinx_listener(profile), samples)
    assert heard.rejected_because is None and heard.recognition.command is Command.PAUSE
    assert heard.own_words_distance is not None and heard.own_words_distance <= 1.2


@pytest.mark.parametrize(("text", "voice"), [
    ("cause", USER),  # pocketsphinx: "pause", doubted (0.26)
    ("hard", USER),  # "harder", doubted (0.50)
    ("sip", USER),
    ("pause", OTHER),  # "hold": the recognizer's words are not the takes'
])
def test_with_real_pocketsphinx_near_words_and_another_voice_are_not_taken(
        profile, pocketsphinx_listener, text, voice) -> None:
    heard = listen_to(pocketsphinx_listener(profile), in_room(text, voice))
    assert heard and all(h.rejected_because is not None for h in heard)
    assert all(h.own_words_distance is None for h in heard)
