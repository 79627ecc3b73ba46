"""The Vosk backend on the real engine: loading, grammar swapping, streaming, partials, rejection."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.ears import (
    BLOCK_BYTES,
    KO_NON_COMMANDS,
    KO_PHRASES,
    feed_blocks,
    korean_model_dir,
    korean_recognizer,
    silence,
    speech,
)
from voicecoach.audio import SAMPLE_RATE_HZ, to_pcm16
from voicecoach.commands import STATE_GRAMMAR, Command, normalize
from voicecoach.ears import EchoGate, Listener, Recognition, find_model
from voicecoach.ears.recognizers.vosk import VoskRecognizer, load_model
from voicecoach.errors import ModelError
from voicecoach.sim import corpus
from voicecoach.states import State


def decode(recognizer: VoskRecognizer, samples: np.ndarray) -> list[tuple[float, Recognition]]:
    """Every result with the audio time (s) at which it came out, fed in 100 ms blocks."""
    pcm = to_pcm16(samples)
    out = []
    for offset in range(0, len(pcm), BLOCK_BYTES):
        at_s = (offset + BLOCK_BYTES) / 2 / SAMPLE_RATE_HZ
        out += [(at_s, r) for r in recognizer.accept(pcm[offset : offset + BLOCK_BYTES])]
    out += [(len(pcm) / 2 / SAMPLE_RATE_HZ, r) for r in recognizer.flush()]
    return out


def commands_of(results: list[tuple[float, Recognition]]) -> list[Command | None]:
    return [r.command for _, r in results]


@pytest.mark.parametrize("command", sorted(KO_PHRASES))
def test_each_phrase_is_recognized_with_word_times(command: Command) -> None:
    samples = speech(KO_PHRASES[command][0])
    results = decode(korean_recognizer(), samples)
    assert commands_of(results) == [command]
    recognition = results[0][1]
    assert recognition.backend == "vosk" and not recognition.is_partial
    assert recognition.confidence >= 0.6
    loud = np.flatnonzero(np.abs(samples) > 0.02) / SAMPLE_RATE_HZ
    assert recognition.start_s == pytest.approx(loud[0], abs=0.3)
    assert recognition.end_s == pytest.approx(loud[-1], abs=0.45)


def test_results_stream_out_block_by_block_before_the_input_ends() -> None:
    samples = np.concatenate([speech("정지"), silence(1.0), speech("어렵게"), silence(2.0)])
    results = decode(korean_recognizer(), samples)
    assert commands_of(results) == [Command.STOP, Command.HARDER]
    total_s = len(samples) / SAMPLE_RATE_HZ
    assert all(at_s < total_s - 1.0 for at_s, _ in results), "results waited for the flush"
    # the second result's audio time continues from the first, on one stream clock
    assert results[1][1].start_s > results[0][1].end_s + 1.0


def test_grammar_swap_changes_what_is_heard() -> None:
    recognizer = korean_recognizer(STATE_GRAMMAR[State.READY])
    assert Command.PAUSE not in commands_of(decode(recognizer, speech("멈춰")))
    recognizer.set_commands(STATE_GRAMMAR[State.WORKING])
    assert commands_of(decode(recognizer, speech("멈춰"))) == [Command.PAUSE]
    recognizer.set_commands(STATE_GRAMMAR[State.PAUSED])
    assert commands_of(decode(recognizer, speech("계속"))) == [Command.RESUME]
    assert Command.PAUSE not in commands_of(decode(recognizer, speech("멈춰")))


def test_listener_listen_for_swaps_grammar_before_next_block() -> None:
    listener = Listener(korean_recognizer(), EchoGate(None))
    listener.listen_for(State.READY)
    heard = feed_blocks(listener, speech("멈춰"))
    assert all(h.rejected_because for h in heard)
    assert listener.recognizer.commands == STATE_GRAMMAR[State.READY]  # type: ignore[attr-defined]
    listener.listen_for(State.WORKING)
    heard = feed_blocks(listener, speech("멈춰"), clock_start_s=2000.0)
    assert [h.recognition.command for h in heard if h.rejected_because is None] == [Command.PAUSE]


def test_stop_and_safety_are_heard_in_every_state() -> None:
    for state in State:
        recognizer = korean_recognizer(STATE_GRAMMAR[state])
        assert commands_of(decode(recognizer, speech("정지"))) == [Command.STOP], state
    recognizer = korean_recognizer(STATE_GRAMMAR[State.FINISHED])
    assert commands_of(decode(recognizer, speech("도와줘"))) == [Command.SAFETY]


def test_fast_path_acts_on_a_partial_before_the_utterance_ends() -> None:
    # "pause" followed without a break by more words: the final result comes only at their end
    samples = speech("멈춰 계속 어렵게", speed_wpm=150)
    results = decode(korean_recognizer(), samples)
    partials = [(at_s, r) for at_s, r in results if r.is_partial]
    finals = [(at_s, r) for at_s, r in results if not r.is_partial]
    assert [r.command for _, r in partials] == [Command.PAUSE]
    # acted on by the time the words end; the final result waits for the quiet after them
    assert partials[0][0] <= corpus.speech_end_s(samples) < finals[0][0]
    # the whole utterance is several phrases: not one command, so nothing is acted on twice
    assert [r.command for _, r in finals] == [None]


def test_fast_path_is_only_for_stop_and_pause() -> None:
    results = decode(korean_recognizer(), speech("계속 멈춰 계속 정지", speed_wpm=150))
    assert not [r for _, r in results if r.is_partial and r.command is not Command.PAUSE]


@pytest.mark.parametrize(("text", "voice"), KO_NON_COMMANDS)
def test_out_of_grammar_speech_is_not_a_command(text: str, voice: str) -> None:
    listener = Listener(korean_recognizer(), EchoGate(None))
    heard = feed_blocks(listener, speech(text, voice))
    assert [h.recognition for h in heard if h.rejected_because is None] == []


def test_normalize_keeps_any_script_and_apostrophes() -> None:
    assert normalize("What's  NEXT?") == "what's next"
    assert normalize("정지!") == "정지"
    assert normalize("[unk]") == "unk"


def test_a_broken_model_dir_is_a_model_error(tmp_path) -> None:
    (tmp_path / "am").mkdir()
    with pytest.raises(ModelError, match="cannot load the Vosk model"):
        load_model(str(tmp_path))


ENGLISH_COMMANDS = {
    "start": Command.START, "pause": Command.PAUSE, "resume": Command.RESUME,
    "stop": Command.STOP, "easier": Command.EASIER, "harder": Command.HARDER,
    "slower": Command.SLOWER, "faster": Command.FASTER, "how many left": Command.HOW_MANY_LEFT,
    "what's next": Command.WHATS_NEXT, "skip": Command.SKIP, "repeat": Command.REPEAT,
}


def test_english_accuracy_with_an_english_model() -> None:
    from voicecoach.files import load_settings

    found = find_model()
    if found is None or "-en" not in found.path.name:
        pytest.skip("no English Vosk model installed (voicecoach model download); "
                    "the machine has no internet for it")
    settings = load_settings().settings
    from voicecoach.ears.recognizers.vosk import ENGLISH_FILLERS

    recognizer = VoskRecognizer(found.path, settings.commands, fillers=ENGLISH_FILLERS)
    right = 0
    for text, command in ENGLISH_COMMANDS.items():
        for voice in ("en-us", "en-us+f3", "en+m3"):
            got = commands_of(decode(recognizer, speech(text, voice)))
            right += got == [command]
    assert right / (3 * len(ENGLISH_COMMANDS)) >= 0.8
    listener = Listener(recognizer, EchoGate(None))
    for text in ("the weather is nice today", "lower slowly", "keep your back flat"):
        heard = feed_blocks(listener, speech(text, "en-us"))
        assert [h for h in heard if h.rejected_because is None] == [], text


def test_korean_model_dir_is_a_vosk_model() -> None:
    assert (korean_model_dir() / "am" / "final.mdl").is_file()


def test_the_coachs_own_words_join_the_grammar_but_never_as_commands() -> None:
    from voicecoach.ears.factory import fillers_for
    from voicecoach.files import load_settings

    settings = load_settings().settings
    fillers = fillers_for(settings, ["Lower slowly, keep your back flat.", "Rest now. Ouch!"])
    assert {"lower", "slowly", "flat", "rest", "ouch", "one"} <= set(fillers)
    recognizer = VoskRecognizer(korean_model_dir(), {Command.STOP: ("정지",)},
                                fillers=[*fillers, "정지", "허리"])
    assert "허리" in recognizer.fillers
    assert "정지" not in recognizer.fillers, "a command phrase is never a filler"
    assert not {"lower", "slowly", "flat"} & set(recognizer.fillers), "words the model lacks"


def test_a_stretch_decoded_alone_keeps_the_stream_and_its_clock() -> None:
    recognizer = korean_recognizer()
    recognizer.set_commands(STATE_GRAMMAR[State.WORKING])
    open_words = decode(recognizer, np.concatenate([silence(0.5), speech("정지")]))
    word = speech("정지")
    onset_s = 20.3 + np.flatnonzero(np.abs(word) > 0.02)[0] / SAMPLE_RATE_HZ
    again = recognizer.decode_alone(to_pcm16(np.concatenate([silence(0.3), word])),
                                    at_s=20.0, start_s=onset_s, end_s=onset_s + 0.6)
    assert again is not None and again.command is Command.STOP
    assert again.start_s == pytest.approx(onset_s, abs=0.3)  # on the stream's clock
    assert commands_of(open_words) == [Command.STOP]
    # the stream goes on as before: its grammar and open utterance are its own
    assert commands_of(decode(recognizer, np.concatenate([speech("어렵게"), silence(1.0)]))) == [
        Command.HARDER]
