"""The voice-control benchmark's Korean column: its phrases file, the state-aware grammar, the
model's vocabulary, and one small corpus measured through the real Vosk engine into the tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks import korean, voice_control
from tests.fixtures.ears import KO_FILLERS, KO_PHRASES, korean_model_dir
from voicecoach.commands import STATE_GRAMMAR, Command
from voicecoach.sim import corpus
from voicecoach.states import State


def phrases_file(tmp_path: Path) -> Path:
    """A language file shaped like voicecoach/languages/ko.toml, with the fixtures' phrases."""
    rows = "\n".join(f'{c.value} = ["{p[0]}"]' for c, p in KO_PHRASES.items())
    fillers = ", ".join(f'"{w}"' for w in KO_FILLERS)
    path = tmp_path / "ko.toml"
    path.write_text(f'[language]\nfillers = [{fillers}]\n\n[commands]\n{rows}\n\n'
                    '[numbers.count]\nones = ["영", "하나"]\n\n[sentences]\n'
                    'lower = "다리를 천천히 내리세요."\nstop_cue = "정지"\n\n'
                    '[templates]\ncount_with_side = "{n:count}, {side}"\n')
    return path


def test_the_language_file_gives_commands_cues_and_fillers(tmp_path) -> None:
    phrases = korean.load_phrases(phrases_file(tmp_path))
    assert phrases.commands == KO_PHRASES
    assert phrases.cues == ["다리를 천천히 내리세요.", "정지", "셋, 왼쪽"]
    assert phrases.fillers == KO_FILLERS
    assert korean.fillers(phrases) == (*KO_FILLERS, "정지", "왼쪽")  # then every cue word


def test_each_clip_is_heard_with_a_grammar_of_a_state_that_listens_for_it() -> None:
    assert korean.grammar_for(None) == STATE_GRAMMAR[State.WORKING]
    assert korean.grammar_for(Command.START) == STATE_GRAMMAR[State.PAUSED]
    assert korean.grammar_for(Command.READY) == STATE_GRAMMAR[State.REST]
    assert all(c in korean.grammar_for(c) for c in Command)


def test_the_vocabulary_is_read_from_the_model() -> None:
    words = korean.vocabulary(korean_model_dir())
    assert len(words) > 100_000
    assert {"정지", "계속", "도와줘"} <= words and "[unk]" not in words


def test_a_small_korean_corpus_measured_through_vosk_makes_the_column(tmp_path) -> None:
    phrases = korean.load_phrases(phrases_file(tmp_path))
    phrases = korean.KoreanPhrases({c: phrases.commands[c] for c in (Command.STOP,
                                                                     Command.RESUME)},
                                   phrases.cues, phrases.fillers, phrases.source)
    made = korean.build_corpus(phrases, quick=True, split="test",
                               conditions=[corpus.CLEAN], real_speech=None)
    data = made.data
    assert [c.speaker.voice.split("+")[0] for c in data.commands] == ["ko", "ko"]
    assert made.notes["non-command"].startswith("2 coach cues")  # the cue "정지" is a command
    data.stretches.clear()  # the noise stretches take longer than this test should
    data.stretches["other speech"] = corpus.stretch(corpus.phrase_clips(
        ["오늘 날씨가 정말 좋네요"], [corpus.Speaker("ko+f3", 165, 50)]))
    heard: list[frozenset[Command]] = []
    recognizer = korean.recognizer(phrases)
    set_commands = recognizer.set_commands
    recognizer.set_commands = lambda commands: (heard.append(frozenset(commands)),
                                                set_commands(commands))
    score = voice_control.measure(recognizer, data, 0.6, commands_for=korean.grammar_for)
    assert heard[:3] == [korean.grammar_for(Command.STOP), korean.grammar_for(Command.RESUME),
                         korean.grammar_for(None)]
    assert score.accepted["clean"] == [True, True]
    record = {**voice_control.summary(korean.BACKEND, score, {}), "notes": {},
              "korean_notes": made.notes}
    text = voice_control.markdown([record])
    assert "| | vosk-ko |" in text and "| clean | 100.0 % (0.0 % wrong) |" in text
    assert "- vocabulary: every command word is in the model's vocabulary" in text
    assert "- speakers: test half: ko+m4/s180/p50" in text
    assert np.isfinite(record["latency_s"]["median"])


def test_without_a_korean_language_file_the_column_is_unavailable(tmp_path, capsys) -> None:
    assert voice_control.main(["--quick", "--backends", "vosk-ko",
                               "--ko-phrases", str(tmp_path / "missing.toml")]) == 2
    assert "unknown or unavailable backend(s): vosk-ko" in capsys.readouterr().err
