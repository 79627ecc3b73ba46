"""The offline English recognizer with the real pocketsphinx engine, on speech made by espeak-ng."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.english_ears import PHRASES, commands_in, hear
from voicecoach.commands import ALWAYS_HEARD, STATE_GRAMMAR, Command
from voicecoach.ears.recognizers.pocketsphinx import PocketsphinxRecognizer
from voicecoach.errors import ConfigError
from voicecoach.sim import corpus
from voicecoach.sim.synth import Noise, mix_noise, pad
from voicecoach.states import State

VOICES = [corpus.Speaker("en-us", 150, 50), corpus.Speaker("en-gb", 150, 45),
          corpus.Speaker("en-us+f3", 150, 55), corpus.Speaker("en-gb-x-rp+m3", 150, 50)]


@pytest.fixture(scope="module")
def ears() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(PHRASES)


@pytest.mark.parametrize("command", list(Command))
def test_each_command_is_recognized_from_at_least_two_voices(
    ears: PocketsphinxRecognizer, command: Command
) -> None:
    ears.set_commands(list(Command))
    heard_by = {
        speaker.voice
        for speaker in VOICES
        for phrase in PHRASES[command]
        if commands_in(hear(ears, speaker.say(phrase, lead_s=0.5, tail_s=0.6))) == [command]
    }
    assert len(heard_by) >= 2, f"{command} heard only from {heard_by or 'no voice'}"


HEARD_THROUGH = [kind for kind in Noise if kind is not Noise.BABBLE]
"""Other people talking at 10 dB SNR is still beyond it (the benchmark: 44 % of commands), as
issue #14 records; every other noise kind must let a command through."""


@pytest.mark.parametrize("kind", HEARD_THROUGH)
def test_a_command_in_noise_at_10_db_is_still_recognized(
    ears: PocketsphinxRecognizer, kind: Noise
) -> None:
    ears.set_commands(list(Command))
    # The noise runs for 4 s before the command, as a fan would: the endpointer learns it.
    speech = VOICES[1].say("take a break", lead_s=4.0, tail_s=0.6)
    noisy = mix_noise(speech, kind, 10.0, np.random.default_rng(3))
    assert commands_in(hear(ears, noisy)) == [Command.REST]


@pytest.mark.parametrize("text", [
    "the weather is nice today",
    "I will call you later",
    "Lower back pressed into the floor.",
    "Lie on your back with your knees bent and your feet flat on the floor.",
])
def test_other_speech_gives_no_command(ears: PocketsphinxRecognizer, text: str) -> None:
    ears.set_commands(list(Command))
    assert commands_in(hear(ears, VOICES[0].say(text, lead_s=0.5, tail_s=0.6))) == []


@pytest.mark.parametrize("kind", list(Noise))
def test_noise_alone_gives_no_command(ears: PocketsphinxRecognizer, kind: Noise) -> None:
    ears.set_commands(list(Command))
    noise = corpus.noise_stretch(kind, 6.0, 0.05, seed=4)
    assert commands_in(hear(ears, pad(noise, 0.5, 0.5))) == []


def test_the_grammar_follows_the_state(ears: PocketsphinxRecognizer) -> None:
    easier = VOICES[0].say("make it easier", lead_s=0.5, tail_s=0.6)
    ears.set_commands(STATE_GRAMMAR[State.FINISHED])
    assert ears.commands == ALWAYS_HEARD
    assert Command.EASIER not in commands_in(hear(ears, easier))
    ears.set_commands(STATE_GRAMMAR[State.WORKING])
    assert commands_in(hear(ears, easier)) == [Command.EASIER]


def test_results_carry_confidence_and_stream_times() -> None:
    fresh = PocketsphinxRecognizer(PHRASES)  # times count from the start of its stream
    speech = VOICES[0].say("how many left")
    results = hear(fresh, pad(speech, 1.0, 0.6))
    assert len(results) == 1
    result = results[0]
    assert result.backend == "pocketsphinx" and result.text == "how many left"
    assert 0.6 <= result.confidence <= 1.0
    assert result.start_s == pytest.approx(1.0, abs=0.05)
    assert result.end_s == pytest.approx(1.0 + corpus.speech_end_s(speech), abs=0.1)


def test_a_phrase_outside_the_dictionary_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"commands\.pause.*'pausey'.*not in pocketsphinx"):
        PocketsphinxRecognizer({Command.PAUSE: ("pausey",)})
