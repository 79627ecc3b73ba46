"""Piper's voice in the benchmark: the same audio on every run, variants that move pitch or rate."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import neural_voices

pytestmark = pytest.mark.skipif(not neural_voices.is_available(), reason="piper not installed")


def test_piper_speech_is_the_same_on_every_call() -> None:
    speaker = neural_voices.speakers(1)[0]
    np.testing.assert_array_equal(speaker.say("that hurts"), speaker.say("that hurts"))


def test_variants_are_distinct_and_levelled() -> None:
    voices = neural_voices.speakers(len(neural_voices.VARIANTS))
    audio = [v.say("make it harder") for v in voices]
    assert len({v.label for v in voices}) == len(voices)
    assert all(np.abs(a).max() == pytest.approx(neural_voices.PEAK, rel=1e-3) for a in audio)
    faster, slower = audio[1], audio[2]  # length_scale 0.8 and 1.25
    assert len(faster) < len(audio[0]) < len(slower)
