"""The real-life noises (babble, music, fan, panting) and reverberation have their character."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE_HZ
from voicecoach.sim import corpus
from voicecoach.sim.synth import Noise, make_noise, reverberate, speech_rms, synthesize

N = 8 * SAMPLE_RATE_HZ


def _band_share(x: np.ndarray, low_hz: float, high_hz: float) -> float:
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE_HZ)
    return float(power[(freqs >= low_hz) & (freqs < high_hz)].sum() / power.sum())


def _windows_rms(x: np.ndarray, window: int = 1600) -> np.ndarray:
    return np.sqrt(np.mean(x[: len(x) // window * window].reshape(-1, window) ** 2, axis=1))


@pytest.mark.parametrize("kind", [Noise.BABBLE, Noise.MUSIC, Noise.FAN, Noise.PANTING])
def test_new_noises_are_unit_rms_and_reproducible(kind: Noise) -> None:
    one = make_noise(kind, N, np.random.default_rng(3))
    assert np.sqrt(np.mean(one**2)) == pytest.approx(1.0, rel=1e-3)
    np.testing.assert_array_equal(one, make_noise(kind, N, np.random.default_rng(3)))
    assert not np.array_equal(one, make_noise(kind, N, np.random.default_rng(4)))


def test_fan_hum_is_low_frequency() -> None:
    fan = make_noise(Noise.FAN, N, np.random.default_rng(0))
    assert _band_share(fan, 20, 500) > 0.8


def test_babble_is_in_the_speech_band_and_never_pauses() -> None:
    babble = make_noise(Noise.BABBLE, N, np.random.default_rng(0))
    assert _band_share(babble, 100, 4000) > 0.8
    # Several talkers at once: unlike one voice, no 100 ms window is silent.
    assert _windows_rms(babble).min() > 0.1


def test_music_has_tones_and_a_beat() -> None:
    music = make_noise(Noise.MUSIC, N, np.random.default_rng(0))
    power = np.abs(np.fft.rfft(music)) ** 2
    assert power.max() / np.median(power) > 1e4  # sharp partials, not noise
    envelope = _windows_rms(music, 160)  # 10 ms windows
    envelope = envelope - envelope.mean()
    lags = np.arange(40, 70)  # 400-700 ms: one beat at 85-150 bpm
    corr = [np.dot(envelope[:-lag], envelope[lag:]) / np.dot(envelope, envelope) for lag in lags]
    assert max(corr) > 0.3


def test_panting_breathes_faster_than_breath() -> None:
    def bursts(x: np.ndarray) -> int:
        loud = _windows_rms(x, 800) > 0.5
        return int(np.sum(loud[1:] & ~loud[:-1]))

    rng = np.random.default_rng(0)
    assert bursts(make_noise(Noise.PANTING, N, rng)) > 1.5 * bursts(make_noise(Noise.BREATH, N, rng))


def test_reverberation_keeps_length_and_level_and_adds_a_tail() -> None:
    speech = np.concatenate([synthesize("stop the workout"), np.zeros(SAMPLE_RATE_HZ, np.float32)])
    wet = reverberate(speech, 0.6, np.random.default_rng(0))
    assert len(wet) == len(speech)
    assert speech_rms(wet) == pytest.approx(speech_rms(speech), rel=0.02)
    after = slice(len(speech) - SAMPLE_RATE_HZ, len(speech) - SAMPLE_RATE_HZ + 1600)
    assert np.sqrt(np.mean(wet[after] ** 2)) > 100 * (np.sqrt(np.mean(speech[after] ** 2)) + 1e-6)


@pytest.mark.parametrize(("condition", "label"), [
    (corpus.Condition(), "clean"),
    (corpus.Condition(Noise.BABBLE, 10.0), "babble@10dB"),
    (corpus.Condition(reverb_s=0.6), "reverb0.6s"),
    (corpus.Condition(Noise.BABBLE, 10.0, 0.6), "reverb0.6s+babble@10dB"),
])
def test_condition_labels(condition: corpus.Condition, label: str) -> None:
    assert condition.label == label
